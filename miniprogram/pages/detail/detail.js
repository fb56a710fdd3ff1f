/**
 * One of the citizen's messages: what they wrote, its thread (replies, follow-ups, status
 * changes), rating when the server says it may be rated (can_rate), and follow-ups.
 * Subscribe notices tap through to pages/detail/detail?id=<id>.
 */
const api = require('../../utils/api')
const elder = require('../../utils/elder')
const notify = require('../../utils/notify')
const store = require('../../utils/store')
const { deadlineTag, formatTime, ratingLabel, levelLabel } = require('../../utils/format')
const { requestSubscribe, citizenTemplates } = require('../../utils/subscribe')

function present(m) {
  return {
    id: m.id,
    tracking: m.tracking_no,
    status: m.status,
    statusLabel: m.status_label,
    category: m.category,
    station: m.station || '',
    content: m.content,
    time: formatTime(m.created_at),
    photos: (m.photos || []).map((p) => ({ id: p.id, url: api.absoluteUrl(p.url) })),
    place: m.location ? m.location.address || '已标注位置' : '',
    phone: m.contact_phone || '',
    anonymous: !!m.anonymous,
    deputy: m.deputy ? m.deputy.name + '（' + levelLabel(m.deputy.level) + '）' : '',
    rating: ratingLabel(m.rating),
    ratingComment: m.rating_comment || '',
    canRate: !!m.can_rate,
    canFollowUp: !!m.can_follow_up,
    rejection: m.rejection || null,
    deadline: deadlineTag(m.colour, m.due_at),
    stage: m.stage ? m.stage.label : '',
    mergedInto: m.merged_into || null,
    // 回访: asked some days after closing; answered here when no notice could reach them.
    revisit: m.revisit || null,
    // The next answer would not reach WeChat: say so, and offer the prompt (a tap is needed).
    unreachable: m.notice_reachable === false && !!m.can_follow_up,
    thread: m.thread || [],
    // The whole path in plain Chinese: received, taken by deputy X, handed to unit Y (due), ...
    stages: (m.stages || []).map((s) => ({ text: s.stage, by: s.by, time: formatTime(s.at) })),
    due: m.due_at ? formatTime(m.due_at) : '',
    overdue: m.colour === 'red',
  }
}

Component({
  behaviors: [elder.behavior()],
  data: {
    state: 'loading',
    message: '',
    m: null,
    followup: '',
    sending: false,
    rating: false,
    revisiting: false,
  },
  methods: {
    onLoad(options) {
      this.id = options && options.id
      if (!this.id) {
        this.setData({ state: 'error', message: '缺少反映编号，请从“我的反映”进入' })
        return
      }
      this.load()
    },

    async load(quiet) {
      if (quiet !== true) this.setData({ state: 'loading', message: '' })
      try {
        this.show(await api.getMessage(this.id))
      } catch (err) {
        if (quiet === true && this.data.m) notify.showError(err)
        else this.setData({ state: 'error', message: err.message })
      }
    },

    show(message) {
      this.setData({ state: 'ready', m: present(message) })
    },

    onPullDownRefresh() {
      this.load(true).then(() => wx.stopPullDownRefresh())
    },

    previewPhoto(e) {
      wx.previewImage({ current: e.currentTarget.dataset.url, urls: this.data.m.photos.map((p) => p.url) })
    },

    onFollowupInput(e) {
      this.setData({ followup: e.detail.value })
    },

    /** Ask again for the loop's notices (reply, progress, 「问题解决了吗」): each one-time
     * consent is spent by one notice. */
    askForNextNotice() {
      return requestSubscribe(citizenTemplates(null, store.templates())).then((accepted) =>
        accepted.length ? api.reportSubscriptions(accepted).catch(() => null) : null
      )
    },

    /** The 开启答复通知 button: one tap, one credit for the next answer. */
    enableNotice() {
      return this.askForNextNotice().then(() => this.load(true))
    },

    sendFollowup() {
      const content = this.data.followup.trim()
      if (!content) {
        notify.tell('请填写追问内容')
        return Promise.resolve()
      }
      if (this.data.sending) return Promise.resolve()
      this.setData({ sending: true })
      return this.askForNextNotice()
        .then(() => api.followUp(this.id, content))
        .then(
          (message) => {
            this.setData({ sending: false, followup: '' })
            this.show(message)
            notify.flash('已发送', 'success')
          },
          (err) => {
            this.setData({ sending: false })
            notify.showError(err)
          }
        )
    },

    /** 「解决了」/「没解决」: data-solved on the button says which. */
    answerRevisit(e) {
      if (this.data.revisiting) return Promise.resolve()
      const solved = e.currentTarget.dataset.solved === 'yes'
      this.setData({ revisiting: true })
      // Not solved means the deputy answers again: offer a notice for that answer.
      const before = solved ? Promise.resolve() : this.askForNextNotice()
      return before
        .then(() => api.answerRevisit(this.id, solved))
        .then(
          (message) => {
            this.setData({ revisiting: false })
            this.show(message)
            notify.flash(solved ? '感谢您的反馈' : '已重新交办', 'success')
          },
          (err) => {
            this.setData({ revisiting: false })
            notify.showError(err)
          }
        )
    },

    onRate(e) {
      const score = e.detail.score
      if (this.data.rating) return Promise.resolve()
      this.setData({ rating: true })
      // Not satisfied means the deputy answers again: offer a notice for that answer.
      const before = score === 'unsatisfied' ? this.askForNextNotice() : Promise.resolve()
      return before
        .then(() => api.rate(this.id, score, e.detail.comment))
        .then(
          (message) => {
            this.setData({ rating: false })
            this.show(message)
            notify.flash('感谢您的评价', 'success')
          },
          (err) => {
            this.setData({ rating: false })
            notify.showError(err)
          }
        )
    },
  },
})
