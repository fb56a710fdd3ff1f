/**
 * Draft a 代表建议 from items routed to me (POST /api/v1/deputy/suggestions): pick one or
 * several items, write a title and the suggestion, and ask colleagues of my stations to 附议
 * (each confirms in their own mini-program). The citizens are told once it is submitted.
 */
const api = require('../../../utils/api')
const elder = require('../../../utils/elder')
const notify = require('../../../utils/notify')
const { excerpt } = require('../../../utils/format')

const TITLE_MAX = 100 // server/api/suggestions.py SuggestionDraftIn
const CONTENT_MAX = 5000

Component({
  behaviors: [elder.behavior()],
  data: {
    state: 'loading', // loading | error | notDeputy | ready
    message: '',
    items: [],
    colleagues: [],
    title: '',
    content: '',
    error: '',
    sending: false,
  },
  methods: {
    onLoad(options) {
      this.preselected = options && options.id ? [String(options.id)] : []
    },

    onShow() {
      if (this.data.state !== 'ready') this.load()
    },

    async load() {
      this.setData({ state: 'loading', message: '' })
      try {
        const [inbox, people] = await Promise.all([api.inbox('', 1, 100), api.colleagues()])
        const chosen = this.preselected || []
        this.setData({
          state: 'ready',
          items: inbox.items.map((m) => ({
            id: m.id,
            category: m.category,
            text: excerpt(m.content, 40),
            picked: chosen.indexOf(String(m.id)) >= 0,
          })),
          colleagues: people.deputies.map((d) => ({ id: d.id, name: d.name, picked: false })),
        })
      } catch (err) {
        if (err.code === 'not_a_deputy') this.setData({ state: 'notDeputy', message: err.message })
        else this.setData({ state: 'error', message: err.message })
      }
    },

    toggleItem(e) {
      const i = e.currentTarget.dataset.index
      this.setData({ ['items[' + i + '].picked']: !this.data.items[i].picked, error: '' })
    },

    toggleColleague(e) {
      const i = e.currentTarget.dataset.index
      this.setData({ ['colleagues[' + i + '].picked']: !this.data.colleagues[i].picked })
    },

    onTitle(e) {
      this.setData({ title: e.detail.value, error: '' })
    },

    onContent(e) {
      this.setData({ content: e.detail.value, error: '' })
    },

    async send() {
      const ids = this.data.items.filter((m) => m.picked).map((m) => m.id)
      const title = this.data.title.trim()
      const content = this.data.content.trim()
      let error = ''
      if (!ids.length) error = '请至少选择一件群众反映'
      else if (!title) error = '请填写建议标题'
      else if (title.length > TITLE_MAX) error = '建议标题不能超过' + TITLE_MAX + '字'
      else if (!content) error = '请填写建议内容'
      else if (content.length > CONTENT_MAX) error = '建议内容不能超过' + CONTENT_MAX + '字'
      if (error) return this.setData({ error })
      const co = this.data.colleagues.filter((d) => d.picked).map((d) => d.id)
      this.setData({ sending: true, error: '' })
      try {
        await api.draftSuggestion(title, content, ids, co)
        notify.tell(co.length ? '已保存草稿，等待附议代表确认' : '已保存草稿')
        wx.redirectTo({ url: '/pages/deputy/suggestions/suggestions' })
      } catch (err) {
        this.setData({ error: err.message })
      }
      this.setData({ sending: false })
    },

    bind() {
      wx.redirectTo({ url: '/pages/deputy/bind/bind' })
    },
  },
})
