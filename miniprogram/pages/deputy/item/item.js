/**
 * One message routed to the deputy (GET /api/v1/deputy/messages/<id>): what the citizen wrote,
 * their phone (masked) when they left one and are not anonymous, the thread, and the reply box.
 * The full number is fetched only when the deputy taps 回电 (POST .../phone, on record).
 * New-item and reminder notices tap through to pages/deputy/item/item?id=<id>.
 * Below the reply box: similar answered items (same station or category, similar text) with the
 * answer that closed them, to answer consistently; and how many citizens joined this item.
 */
const api = require('../../../utils/api')
const elder = require('../../../utils/elder')
const notify = require('../../../utils/notify')
const { deadlineTag, formatTime } = require('../../../utils/format')

const REPLY_MAX = 1000 // server/api/deputy.py ReplyIn
const NOTE_MAX = 500 // server/api/deputy.py TransferIn
// Statuses from which the accountable deputy may hand the item on (server lifecycle TRANSFERABLE).
const TRANSFERABLE = ['routed', 'followed_up', 'reopened']

function presentTransfer(t) {
  if (!t) return null
  return {
    unit: t.unit.name,
    status: t.status_label,
    due: t.due_at ? formatTime(t.due_at) : '',
    answer: t.answer || '',
    reason: t.return_reason || '',
  }
}

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
    canTransfer: TRANSFERABLE.indexOf(m.status) >= 0,
    transfer: presentTransfer(m.transfer),
    thread: m.thread || [],
    supporters: m.supporters || 0,
    // 相似的已答复事项: how matters like this were answered, most useful first (server ranks).
    similar: (m.similar || []).map((s) => ({
      id: s.id,
      tracking: s.tracking_no,
      content: s.content,
      status: s.status_label,
      rating: s.rating_label || '',
      answer: s.answer || '',
      time: formatTime(s.created_at),
      where: [s.station, s.category].filter(Boolean).join(' · '),
    })),
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
    // 转交承办单位
    picking: false,
    units: [],
    unitIndex: -1,
    note: '',
    transferring: false,
    transferError: '',
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
        notify.flash('已答复', 'success')
        await this.load(true)
      } catch (err) {
        this.setData({ sending: false, error: (err.fields && err.fields.content) || err.message })
        if (!(err.fields && err.fields.content)) notify.showError(err)
      }
    },

    /** 「转交单位」: load the units the first time, then show the picker and the note. */
    async openTransfer() {
      try {
        const answer = await api.deputyUnits()
        const units = answer.units || []
        if (!units.length) {
          notify.showError(null, '还没有可转交的承办单位，请联系联络站')
          return
        }
        this.setData({ picking: true, units, unitIndex: -1, transferError: '' })
      } catch (err) {
        notify.showError(err)
      }
    },

    onUnitChange(e) {
      this.setData({ unitIndex: Number(e.detail.value), transferError: '' })
    },

    onNote(e) {
      this.setData({ note: e.detail.value })
    },

    async sendTransfer() {
      const unit = this.data.units[this.data.unitIndex]
      if (!unit) {
        this.setData({ transferError: '请选择承办单位' })
        return
      }
      const note = this.data.note.trim()
      if (Array.from(note).length > NOTE_MAX) {
        this.setData({ transferError: '转交说明不能超过' + NOTE_MAX + '字' })
        return
      }
      if (this.data.transferring) return
      this.setData({ transferring: true, transferError: '' })
      try {
        await api.transfer(this.id, unit.id, note)
        this.setData({ transferring: false, picking: false, note: '' })
        notify.flash('已转交' + unit.name, 'success')
        await this.load(true)
      } catch (err) {
        const fields = err.fields || {}
        this.setData({ transferring: false, transferError: fields.unit_id || fields.note || err.message })
      }
    },

    /** 代表建议 from this item (the draft page opens with it picked). */
    suggest() {
      wx.navigateTo({ url: '/pages/deputy/suggest/suggest?id=' + this.data.m.id })
    },

    bind() {
      wx.redirectTo({ url: '/pages/deputy/bind/bind' })
    },
  },
})
