/**
 * One message routed to the deputy (GET /api/v1/deputy/messages/<id>): what the citizen wrote,
 * their phone (masked) when they left one and are not anonymous, the thread, and the reply box.
 * The full number is fetched only when the deputy taps 回电 (POST .../phone, on record).
 * New-item and reminder notices tap through to pages/deputy/item/item?id=<id>.
 */
const api = require('../../../utils/api')
const elder = require('../../../utils/elder')
const notify = require('../../../utils/notify')
const { deadlineTag, formatTime } = require('../../../utils/format')

const REPLY_MAX = 1000 // server/api/deputy.py ReplyIn

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
    phone: m.contact_phone || '', // masked: 138****5678
    canCall: !m.anonymous && !!m.can_call,
    anonymous: !!m.anonymous,
    overdue: !!m.overdue,
    deadline: deadlineTag(m.colour, m.due_at),
    canReply: ['closed', 'rejected'].indexOf(m.status) < 0,
    thread: m.thread || [],
  }
}

Component({
  behaviors: [elder.behavior()],
  data: {
    state: 'loading', // loading | error | notDeputy | ready
    message: '',
    m: null,
    reply: '',
    count: 0,
    max: REPLY_MAX,
    sending: false,
    calling: false,
    error: '',
  },
  methods: {
    onLoad(options) {
      this.id = options && options.id
      if (!this.id) {
        this.setData({ state: 'error', message: '缺少留言编号，请从收件箱进入' })
        return
      }
      this.load()
    },

    async load(quiet) {
      if (quiet !== true) this.setData({ state: 'loading', message: '' })
      try {
        this.setData({ state: 'ready', m: present(await api.deputyMessage(this.id)) })
      } catch (err) {
        if (err.code === 'not_a_deputy') this.setData({ state: 'notDeputy', message: err.message })
        else if (quiet === true && this.data.m) notify.showError(err)
        else this.setData({ state: 'error', message: err.message })
      }
    },

    onPullDownRefresh() {
      this.load(true).then(() => wx.stopPullDownRefresh())
    },

    onInput(e) {
      const reply = e.detail.value
      this.setData({ reply, count: Array.from(reply.trim()).length, error: '' })
    },

    async call() {
      if (this.data.calling) return
      this.setData({ calling: true })
      try {
        const answer = await api.deputyPhone(this.id)
        if (answer.contact_phone) wx.makePhoneCall({ phoneNumber: answer.contact_phone })
        else notify.showError(null, '群众没有留下电话')
      } catch (err) {
        notify.showError(err)
      } finally {
        this.setData({ calling: false })
      }
    },

    previewPhoto(e) {
      wx.previewImage({ current: e.currentTarget.dataset.url, urls: this.data.m.photos.map((p) => p.url) })
    },

    async send() {
      const content = this.data.reply.trim()
      if (!content) {
        this.setData({ error: '请填写答复内容' })
        return
      }
      if (this.data.count > REPLY_MAX) {
        this.setData({ error: '答复内容不能超过' + REPLY_MAX + '字' })
        return
      }
      if (this.data.sending) return
      this.setData({ sending: true, error: '' })
      try {
        await api.reply(this.id, content)
        this.setData({ sending: false, reply: '', count: 0 })
        wx.showToast({ title: '已答复', icon: 'success' })
        await this.load(true)
      } catch (err) {
        this.setData({ sending: false, error: (err.fields && err.fields.content) || err.message })
        if (!(err.fields && err.fields.content)) notify.showError(err)
      }
    },

    bind() {
      wx.redirectTo({ url: '/pages/deputy/bind/bind' })
    },
  },
})
