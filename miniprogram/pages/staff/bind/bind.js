/**
 * A station clerk, a 代表工委 member or a unit's clerk binds their WeChat to their dashboard
 * account with the one-time code of the dashboard's 「绑定微信」 page (typed, or its QR scanned):
 * overdue items and 督办 then reach them in WeChat, not only on the dashboard. After binding,
 * one tap asks for the reminder notice.
 */
const api = require('../../../utils/api')
const elder = require('../../../utils/elder')
const notify = require('../../../utils/notify')
const { staffCodeFromText } = require('../../../utils/scene')
const { requestSubscribe } = require('../../../utils/subscribe')

Component({
  behaviors: [elder.behavior()],
  data: {
    code: '',
    error: '',
    binding: false,
    bound: null, // {name, roleLabel} once bound
    consent: '', // '' | 'asking' | 'on' | 'off'
  },
  methods: {
    onLoad(options) {
      const code = options && options.code ? staffCodeFromText(options.code) : null
      if (code) this.setData({ code })
    },

    onInput(e) {
      this.setData({ code: String(e.detail.value || '').toUpperCase(), error: '' })
    },

    scan() {
      wx.scanCode({
        onlyFromCamera: false,
        scanType: ['qrCode'],
        success: (res) => {
          const code = staffCodeFromText(res.result)
          if (!code) {
            this.setData({ error: '这不是管理后台「绑定微信」的二维码，请核对后重试' })
            return
          }
          this.setData({ code, error: '' })
          this.bind()
        },
      })
    },

    async bind() {
      const code = staffCodeFromText(this.data.code)
      if (!code) {
        this.setData({ error: '请输入管理后台「绑定微信」页面上的绑定码（S 开头，共 9 位）' })
        return
      }
      if (this.data.binding) return
      this.setData({ binding: true, error: '' })
      try {
        const answer = await api.bindStaff(code)
        this.templates = answer.subscribe_templates || {}
        const staff = answer.staff || {}
        this.setData({ binding: false, bound: { name: staff.name, roleLabel: staff.role_label } })
      } catch (err) {
        this.setData({ binding: false, error: err.message })
      }
    },

    /** At a tap, as WeChat requires: the overdue reminder for this account. */
    enableNotices() {
      this.setData({ consent: 'asking' })
      return requestSubscribe([(this.templates || {}).reminder]).then(async (accepted) => {
        if (accepted.length) {
          try {
            await api.reportSubscriptions(accepted)
          } catch (err) {
            notify.showError(err)
          }
        }
        this.setData({ consent: accepted.length ? 'on' : 'off' })
      })
    },
  },
})
