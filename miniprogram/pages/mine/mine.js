/** 我的反映: the citizen's own messages, newest first, with status badges; paged. */
const api = require('../../utils/api')
const elder = require('../../utils/elder')
const notify = require('../../utils/notify')
const { formatTime, excerpt } = require('../../utils/format')

const PER_PAGE = 20

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
    // A fresh answer waiting for the citizen's rating deserves a nudge.
    fresh: item.status === 'replied' && !item.rating,
  }
}

Component({
  behaviors: [elder.behavior()],
  data: {
    state: 'loading', // loading | error | empty | ready
    message: '',
    items: [],
    page: 0,
    total: 0,
    loadingMore: false,
    moreError: '',
  },
  methods: {
    onLoad() {
      this.loaded = false
    },

    onShow() {
      // Back from a detail page the status may have changed (rated, replied): refresh.
      this.refresh(this.loaded)
    },

    /** quiet === true keeps the list on screen (pull-down, back from a detail page). */
    async refresh(quiet) {
      if (quiet !== true) this.setData({ state: 'loading', message: '' })
      try {
        const answer = await api.listMessages(1, PER_PAGE)
        this.loaded = true
        const items = answer.items.map(row)
        this.setData({
          state: items.length ? 'ready' : 'empty',
          items,
          page: 1,
          total: answer.total,
          moreError: '',
        })
      } catch (err) {
        if (quiet === true && this.data.items.length) notify.showError(err)
        else this.setData({ state: 'error', message: err.message })
      }
    },

    onPullDownRefresh() {
      this.refresh(true).then(() => wx.stopPullDownRefresh())
    },

    async onReachBottom() {
      if (this.data.loadingMore || this.data.items.length >= this.data.total) return
      this.setData({ loadingMore: true, moreError: '' })
      try {
        const answer = await api.listMessages(this.data.page + 1, PER_PAGE)
        const seen = {}
        this.data.items.forEach((i) => (seen[i.id] = true))
        // Pages shift when a new message arrives meanwhile: skip what is already shown.
        const more = answer.items.map(row).filter((i) => !seen[i.id])
        this.setData({
          items: this.data.items.concat(more),
          page: this.data.page + 1,
          total: answer.total,
          loadingMore: false,
        })
      } catch (err) {
        this.setData({ loadingMore: false, moreError: err.message })
      }
    },

    open(e) {
      wx.navigateTo({ url: '/pages/detail/detail?id=' + e.currentTarget.dataset.id })
    },

    scan() {
      wx.reLaunch({ url: '/pages/entry/entry' })
    },
  },
})
