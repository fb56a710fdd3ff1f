/**
 * The deputy's inbox: what was routed to them, with counts by status (待答复 first), and a tap
 * to allow new-item and reminder notices.
 */
const api = require('../../../utils/api')
const elder = require('../../../utils/elder')
const notify = require('../../../utils/notify')
const store = require('../../../utils/store')
const { deadlineTag, formatTime, excerpt } = require('../../../utils/format')
const { requestSubscribe } = require('../../../utils/subscribe')

const PER_PAGE = 20
// Tabs: the server's status filter (awaiting = routed + reopened + transferred).
const TABS = [
  { key: 'awaiting', label: '待答复' },
  { key: 'replied', label: '已答复' },
  { key: 'closed', label: '已办结' },
  { key: '', label: '全部' },
]

function tabsWithCounts(counts) {
  const c = counts || {}
  const all = Object.keys(c)
    .filter((k) => k !== 'awaiting')
    .reduce((sum, k) => sum + (c[k] || 0), 0)
  return TABS.map((t) => Object.assign({}, t, { count: t.key ? c[t.key] || 0 : all }))
}

function row(item) {
  return {
    id: item.id,
    tracking: item.tracking_no,
    status: item.status,
    statusLabel: item.status_label,
    category: item.category,
    station: item.station || '',
    text: excerpt(item.content, 60),
    time: formatTime(item.created_at),
    overdue: !!item.overdue,
    deadline: deadlineTag(item.colour, item.due_at),
  }
}

Component({
  behaviors: [elder.behavior()],
  data: {
    state: 'loading', // loading | error | notDeputy | empty | ready
    message: '',
    tabs: tabsWithCounts({}),
    status: 'awaiting',
    items: [],
    page: 0,
    total: 0,
    loadingMore: false,
    consent: '',
    duty: [], // today's stations on the roster: { id, name, checked_in }
    checkingIn: false,
  },
  methods: {
    onLoad(options) {
      if (options && options.status !== undefined) this.setData({ status: options.status })
      this.loaded = false
    },

    onShow() {
      this.refresh(this.loaded)
    },

    async refresh(quiet) {
      if (quiet !== true) this.setData({ state: 'loading', message: '' })
      this.loadDuty()
      try {
        const answer = await api.inbox(this.data.status, 1, PER_PAGE)
        this.loaded = true
        const items = answer.items.map(row)
        this.setData({
          state: items.length ? 'ready' : 'empty',
          tabs: tabsWithCounts(answer.counts),
          items,
          page: 1,
          total: answer.total,
        })
      } catch (err) {
        if (err.code === 'not_a_deputy') this.setData({ state: 'notDeputy', message: err.message })
        else if (quiet === true && this.data.items.length) notify.showError(err)
        else this.setData({ state: 'error', message: err.message })
      }
    },

    onPullDownRefresh() {
      this.refresh(true).then(() => wx.stopPullDownRefresh())
    },

    async onReachBottom() {
      if (this.data.loadingMore || this.data.items.length >= this.data.total) return
      this.setData({ loadingMore: true })
      try {
        const answer = await api.inbox(this.data.status, this.data.page + 1, PER_PAGE)
        const seen = {}
        this.data.items.forEach((i) => (seen[i.id] = true))
        this.setData({
          items: this.data.items.concat(answer.items.map(row).filter((i) => !seen[i.id])),
          page: this.data.page + 1,
          total: answer.total,
          tabs: tabsWithCounts(answer.counts),
          loadingMore: false,
        })
      } catch (err) {
        this.setData({ loadingMore: false })
        notify.showError(err)
      }
    },

    /** Today's duty bar; without it the inbox still works, so a failure only hides the bar. */
    async loadDuty() {
      try {
        const answer = await api.dutyToday()
        this.setData({ duty: answer.stations || [] })
      } catch (err) {
        this.setData({ duty: [] })
      }
    },

    async checkIn(e) {
      if (this.data.checkingIn) return
      const stationId = e.currentTarget.dataset.id
      this.setData({ checkingIn: true })
      try {
        const answer = await api.checkIn(stationId)
        this.setData({
          duty: this.data.duty.map((s) => (s.id === answer.station.id ? Object.assign({}, s, { checked_in: true }) : s)),
        })
        notify.tell(answer.already ? '今天已经签到过了' : '签到成功，感谢您到站接待群众')
      } catch (err) {
        notify.showError(err)
      } finally {
        this.setData({ checkingIn: false })
      }
    },

    pickTab(e) {
      const status = e.currentTarget.dataset.key
      if (status === this.data.status) return
      this.setData({ status, items: [] })
      this.refresh()
    },

    open(e) {
      wx.navigateTo({ url: '/pages/deputy/item/item?id=' + e.currentTarget.dataset.id })
    },

    openSuggestions() {
      wx.navigateTo({ url: '/pages/deputy/suggestions/suggestions' })
    },

    bind() {
      wx.redirectTo({ url: '/pages/deputy/bind/bind' })
    },

    enableNotices() {
      const templates = store.templates()
      return requestSubscribe([templates.new_item, templates.reminder]).then(async (accepted) => {
        if (accepted.length) {
          try {
            await api.reportSubscriptions(accepted)
          } catch (err) {
            notify.showError(err)
          }
        }
        this.setData({ consent: accepted.length ? 'on' : 'off' })
        notify.tell(accepted.length ? '已开启提醒' : '未开启提醒')
      })
    },
  },
})
