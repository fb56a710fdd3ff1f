/**
 * What a scanned code opens: the station (or the deputy) with who is on duty today and the
 * next reception days, and the way to write to them. Opened without a code (from the
 * mini-program list) it offers to scan one, and the way to 我的反映 / the deputy's inbox.
 *
 * Built with Component() rather than Page() so the same file can be rendered in tests
 * (miniprogram-simulate); WeChat supports pages built this way.
 */
const api = require('../../utils/api')
const elder = require('../../utils/elder')
const notify = require('../../utils/notify')
const store = require('../../utils/store')
const { sceneFromOptions, sceneFromScanResult } = require('../../utils/scene')
const { formatDay, levelLabel } = require('../../utils/format')

function present(info) {
  const station = info.station
  const deputy = info.deputy
  return {
    kind: info.kind,
    deputy: deputy ? Object.assign({ levelText: levelLabel(deputy.level) }, deputy) : null,
    station: station
      ? {
          name: station.name,
          address: station.address,
          note: station.reception_note || '',
          rules: station.reception_rules || [],
          days: (station.reception_days || []).slice(0, 3).map(formatDay),
        }
      : null,
    onDuty: (info.on_duty || []).map((d) => ({
      key: d.id || d.name,
      name: d.name,
      levelText: levelLabel(d.level),
      title: d.title || '',
    })),
  }
}

Component({
  behaviors: [elder.behavior()],
  data: {
    state: 'loading', // loading | error | none (no code) | ready
    message: '',
    scene: '',
    view: null,
    isDeputy: false,
  },
  methods: {
    onLoad(options) {
      const scene = sceneFromOptions(options)
      this.setData({ isDeputy: api.session().isDeputy })
      if (!scene) {
        const hadCode = !!(options && (options.scene || options.q))
        this.setData({
          state: hadCode ? 'error' : 'none',
          message: hadCode ? '无法识别这个二维码，请扫描联络站或代表的二维码' : '',
        })
        return
      }
      this.setData({ scene })
      this.load()
    },

    onShow() {
      this.setData({ isDeputy: api.session().isDeputy })
    },

    async load() {
      const scene = this.data.scene
      if (!scene) return
      this.setData({ state: 'loading', message: '' })
      try {
        const info = await api.scan(scene)
        store.rememberScan(scene, info)
        const view = present(info)
        const title = view.kind === 'deputy' && view.deputy ? view.deputy.name + '代表' : (view.station && view.station.name) || '码上联络站'
        wx.setNavigationBarTitle({ title })
        this.setData({ state: 'ready', view })
      } catch (err) {
        this.setData({ state: 'error', message: err.message })
      }
    },

    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },

    scanCode() {
      wx.scanCode({
        onlyFromCamera: false,
        scanType: ['qrCode', 'wxCode'],
        success: (res) => {
          const scene = sceneFromScanResult(res)
          if (!scene) {
            notify.tell('不是联络站或代表的二维码')
            return
          }
          this.setData({ scene })
          this.load()
        },
      })
    },

    write() {
      wx.navigateTo({ url: '/pages/submit/submit?scene=' + encodeURIComponent(this.data.scene) })
    },

    openMine() {
      wx.navigateTo({ url: '/pages/mine/mine' })
    },

    openDeputy() {
      const url = api.session().isDeputy ? '/pages/deputy/inbox/inbox' : '/pages/deputy/bind/bind'
      wx.navigateTo({ url })
    },

    /** Station staff, the 代表工委 and unit clerks bind WeChat for their overdue notices. */
    openStaff() {
      wx.navigateTo({ url: '/pages/staff/bind/bind' })
    },
  },
})
