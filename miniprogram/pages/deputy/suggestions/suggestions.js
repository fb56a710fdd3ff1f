/**
 * 代表建议 (GET /api/v1/deputy/suggestions): the ones I lead or was asked to 附议, with status,
 * unit, due date and the unit's answer. Here a 附议 deputy confirms (or declines), the 领衔
 * deputy submits a draft, and rates the answer (满意 / 基本满意 / 不满意; 不满意 means the unit
 * must answer again).
 */
const api = require('../../../utils/api')
const elder = require('../../../utils/elder')
const notify = require('../../../utils/notify')
const { formatTime } = require('../../../utils/format')

const GRADE_LABELS = { A: 'A 已解决或基本解决', B: 'B 列入计划逐步解决', C: 'C 因条件限制留作参考' }
const SCORES = [
  { key: 'satisfied', label: '满意' },
  { key: 'basically_satisfied', label: '基本满意' },
  { key: 'unsatisfied', label: '不满意' },
]

function present(s) {
  const lead = s.my_role === 'lead'
  return {
    id: s.id,
    number: s.number || '',
    title: s.title,
    status: s.status,
    statusLabel: s.status_label,
    role: lead ? '领衔' : '附议',
    unit: s.unit || '',
    due: s.due_at ? formatTime(s.due_at) : '',
    answer: s.answer || '',
    grade: s.grade ? GRADE_LABELS[s.grade] : '',
    remarks: s.status === 'returned' ? s.review_remarks || '' : '',
    coPending: (s.co_deputies || []).filter((d) => d.state === 'pending').map((d) => d.name).join('、'),
    canConfirm: !lead && s.my_state === 'pending' && ['draft', 'returned'].indexOf(s.status) >= 0,
    canSubmit: lead && ['draft', 'returned'].indexOf(s.status) >= 0,
    canRate: lead && s.status === 'answered',
    rated: (s.evaluations || []).map((e) => e.score_label).join('、'),
  }
}

Component({
  behaviors: [elder.behavior()],
  data: {
    state: 'loading', // loading | error | notDeputy | empty | ready
    message: '',
    list: [],
    scores: SCORES,
    busy: 0,
  },
  methods: {
    onShow() {
      this.refresh()
    },

    async refresh() {
      try {
        const answer = await api.suggestions()
        const list = answer.suggestions.map(present)
        this.setData({ state: list.length ? 'ready' : 'empty', list, message: '' })
      } catch (err) {
        if (err.code === 'not_a_deputy') this.setData({ state: 'notDeputy', message: err.message })
        else this.setData({ state: 'error', message: err.message })
      }
    },

    async act(id, call, done) {
      if (this.data.busy) return
      this.setData({ busy: id })
      try {
        await call()
        notify.tell(done)
        await this.refresh()
      } catch (err) {
        notify.showError(err)
      }
      this.setData({ busy: 0 })
    },

    confirm(e) {
      const id = e.currentTarget.dataset.id
      const yes = e.currentTarget.dataset.confirm !== 'no'
      return this.act(id, () => api.confirmSuggestion(id, yes), yes ? '已确认附议' : '已谢绝附议')
    },

    submit(e) {
      const id = e.currentTarget.dataset.id
      return this.act(id, () => api.submitSuggestion(id), '已提交，等待审查')
    },

    rate(e) {
      const { id, score } = e.currentTarget.dataset
      const done = score === 'unsatisfied' ? '已评价，承办单位将重新答复' : '已评价'
      return this.act(id, () => api.rateSuggestion(id, score), done)
    },

    draft() {
      wx.navigateTo({ url: '/pages/deputy/suggest/suggest' })
    },

    bind() {
      wx.redirectTo({ url: '/pages/deputy/bind/bind' })
    },
  },
})
