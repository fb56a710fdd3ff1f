/**
 * The form: category, text (live counter, the server's limit; typed, or spoken with 按住说话),
 * photos (the server's limit, uploaded one by one with progress and retry), optional place,
 * phone and anonymity. Photos, place and voice need the privacy guide (utils/privacy.js): a
 * person who refuses it still submits text, and the photo and place buttons say why they wait.
 *
 * On the submit tap: (1) check the form here, (2) ask WeChat for reply-notice permission —
 * it must be the first thing the tap does, WeChat refuses the dialog after an await —
 * (3) send, with one Idempotency-Key per form so retries after a flaky network can never make
 * two items, and (4) show the tracking number.
 *
 * 「附近已有类似反映」: when the text box loses focus with enough written, the page asks the
 * server for open items at this station like it (POST /messages/similar) and lists them with
 * their status; 我也反映 joins one instead of filing again (POST /messages/<id>/join), after the
 * same consent dialog, so the joiner hears of its answer.
 */
const api = require('../../utils/api')
const elder = require('../../utils/elder')
const notify = require('../../utils/notify')
const privacy = require('../../utils/privacy')
const store = require('../../utils/store')
const { normalizeScene } = require('../../utils/scene')
const { charCount, megabytes } = require('../../utils/format')
const { limitsFrom, validate, buildBody, fieldErrors } = require('../../utils/form')
const { requestSubscribe, citizenTemplates } = require('../../utils/subscribe')

/** 接待预告 of a station's code: the published days to come (a deputy's card has none). */
function receptionsOf(info) {
  const rows = (info.kind === 'station' && info.station && info.station.receptions) || []
  return rows
    .filter((r) => r.status === 'published')
    .map((r) => Object.assign({}, r, { who: (r.deputies || []).join('、') }))
}

let photoSeq = 0
// Fewer characters than this say too little to find anything like it.
const NEARBY_MIN_CHARS = 6

Component({
  behaviors: [elder.behavior()],
  data: {
    state: 'loading', // loading | error | form | done | joined
    message: '',
    scene: '',
    target: '',
    categories: [],
    categoryIndex: -1,
    receptions: [], // 接待预告 of the scanned station: [{id, when, topic, place, who, subscribed}]
    scope: [], // 「不在受理范围」: [{topic, where}] from the scan, shown before writing
    content: '',
    count: 0,
    maxChars: 2000,
    over: false,
    photos: [], // {key, path, size, status: waiting|uploading|done|failed|too_large, progress, uploadId, error}
    maxPhotos: 9,
    maxUploadText: '10MB',
    location: null,
    phone: '',
    anonymous: false,
    noPublish: false,
    errors: {},
    submitting: false,
    result: null,
    notified: false,
    privacyRefused: false,
    nearby: [], // 「附近已有类似反映」: [{id, excerpt, status, statusLabel, category, supporters}]
    joining: 0, // the id being joined
    joined: null, // {id, tracking_no, status_label, supporters} once joined
  },

  lifetimes: {
    created() {
      // Per form, not per tap: every retry of this form sends the same key and the same body.
      this.idempotencyKey = api.newIdempotencyKey()
      this.subscribed = null // what the consent dialog answered, asked once per form
      this.limits = limitsFrom(null)
      this.uploading = false
    },
    attached() {
      this.setData({ privacyRefused: privacy.state().refused })
      this.stopFollowingPrivacy = privacy.onChange((state) => this.setData({ privacyRefused: state.refused }))
    },
    detached() {
      if (this.stopFollowingPrivacy) this.stopFollowingPrivacy()
    },
  },

  methods: {
    onLoad(options) {
      const scene = normalizeScene(options && options.scene)
      if (!scene) {
        this.setData({ state: 'error', message: '请先扫描联络站或代表的二维码' })
        return
      }
      this.setData({ scene })
      const cached = store.scanFor(scene)
      if (cached) this.applyScan(cached)
      else this.load()
    },

    async load() {
      this.setData({ state: 'loading', message: '' })
      try {
        const info = await api.scan(this.data.scene)
        store.rememberScan(this.data.scene, info)
        this.applyScan(info)
      } catch (err) {
        this.setData({ state: 'error', message: err.message })
      }
    },

    applyScan(info) {
      this.scanInfo = info
      this.limits = limitsFrom(info)
      const target =
        info.kind === 'deputy' && info.deputy ? info.deputy.name + '代表' : (info.station && info.station.name) || ''
      this.setData({
        state: 'form',
        target,
        categories: info.categories || [],
        scope: info.scope || [],
        receptions: receptionsOf(info),
        maxChars: this.limits.content_max_chars,
        maxPhotos: this.limits.max_photos,
        maxUploadText: megabytes(this.limits.max_upload_bytes),
      })
    },

    // -- fields ---------------------------------------------------------------------------

    onCategory(e) {
      this.setData({ categoryIndex: Number(e.detail.value), 'errors.category': '' })
    },

    onContent(e) {
      this.setContent(e.detail.value)
    },

    /** 按住说话: what was heard goes after what was typed. */
    onVoice(e) {
      this.setContent(this.data.content + e.detail.text)
    },

    setContent(content) {
      const count = charCount(content)
      this.setData({ content, count, over: count > this.data.maxChars, 'errors.content': '' })
    },

    /** Looked up when the citizen pauses writing (the box loses focus): never blocks submitting. */
    async lookNearby() {
      const content = (this.data.content || '').trim()
      if (charCount(content) < NEARBY_MIN_CHARS) return
      const category = this.data.categoryIndex >= 0 ? this.data.categories[this.data.categoryIndex] : null
      try {
        const answer = await api.similarNearby(this.data.scene, content, category && category.id)
        this.setData({
          nearby: (answer.items || []).map((i) => ({
            id: i.id,
            excerpt: i.excerpt,
            statusLabel: i.status_label,
            category: i.category,
            supporters: i.supporters || 0,
          })),
        })
      } catch (err) {
        this.setData({ nearby: [] }) // a hint, not a step: silence on failure
      }
    },

    onJoin(e) {
      if (this.data.joining) return Promise.resolve()
      const id = Number(e.currentTarget.dataset.id)
      this.setData({ joining: id })
      // The consent dialog first: WeChat refuses it after an await.
      return requestSubscribe(this.noticeTemplates())
        .then((accepted) => (accepted.length ? api.reportSubscriptions(accepted) : null))
        .then(() => api.joinMessage(id, this.data.scene, (this.data.content || '').trim()))
        .then((answer) => {
          this.setData({ state: 'joined', joined: answer, joining: 0 })
          wx.setNavigationBarTitle({ title: '已加入' })
        })
        .catch((err) => {
          this.setData({ joining: 0 })
          notify.showError(err)
        })
    },

    openJoined() {
      wx.redirectTo({ url: '/pages/detail/detail?id=' + this.data.joined.id })
    },

    onPhone(e) {
      this.setData({ phone: e.detail.value, 'errors.contact_phone': '' })
    },

    onAnonymous(e) {
      this.setData({ anonymous: !!e.detail.value })
    },

    onNoPublish(e) {
      this.setData({ noPublish: !!e.detail.value })
    },

    /**
     * A private interface failed: when the privacy guide was refused, the page now offers text
     * only (and says so by the buttons) rather than an error. True if that was the reason.
     */
    privacyRefusal(err) {
      if (!privacy.isRefusal(err)) return false
      privacy.markRefused()
      return true
    },

    chooseLocation() {
      if (this.data.privacyRefused) {
        return privacy.askAgain('place').then((agreed) => agreed && this.chooseLocation())
      }
      wx.chooseLocation({
        success: (res) => {
          const parts = [res.address, res.name].filter(Boolean)
          this.setData({
            location: {
              lat: res.latitude,
              lng: res.longitude,
              address: parts.join(' ').slice(0, 200),
            },
          })
        },
        fail: (err) => {
          if ((err && /cancel/.test(err.errMsg || '')) || this.privacyRefusal(err)) return
          notify.tell('无法获取位置，请在设置中允许')
        },
      })
    },

    clearLocation() {
      this.setData({ location: null })
    },

    // -- photos ---------------------------------------------------------------------------

    choosePhotos() {
      if (this.data.privacyRefused) {
        return privacy.askAgain('photos').then((agreed) => agreed && this.choosePhotos())
      }
      const room = this.data.maxPhotos - this.data.photos.length
      if (room <= 0) {
        notify.tell('最多' + this.data.maxPhotos + '张照片')
        return
      }
      wx.chooseMedia({
        count: Math.min(room, 9), // WeChat picks at most 9 at a time
        mediaType: ['image'],
        sourceType: ['album', 'camera'],
        sizeType: ['compressed'], // cheaper for the citizen's data plan; plenty for a pothole
        success: (res) => this.addPhotos(res.tempFiles || []),
        fail: (err) => this.privacyRefusal(err),
      })
    },

    addPhotos(files) {
      const room = this.data.maxPhotos - this.data.photos.length
      const limit = this.limits.max_upload_bytes
      const added = files.slice(0, Math.max(room, 0)).map((f) => {
        const tooLarge = f.size && f.size > limit
        photoSeq += 1
        return {
          key: 'p' + photoSeq,
          path: f.tempFilePath,
          size: f.size || 0,
          status: tooLarge ? 'too_large' : 'waiting',
          progress: 0,
          uploadId: '',
          error: tooLarge ? '超过' + megabytes(limit) + '，请删除' : '',
        }
      })
      if (!added.length) return
      this.setData({ photos: this.data.photos.concat(added), 'errors.photos': '' })
      this.uploadNext()
    },

    /** One upload at a time: a cheap phone on a weak network does better without parallel. */
    async uploadNext() {
      if (this.uploading) return
      const index = this.data.photos.findIndex((p) => p.status === 'waiting')
      if (index < 0) return
      this.uploading = true
      const key = this.data.photos[index].key
      this.patchPhoto(key, { status: 'uploading', progress: 0, error: '' })
      try {
        const answer = await api.upload(this.data.photos[index].path, {
          onProgress: (progress) => this.patchPhoto(key, { progress }),
        })
        this.patchPhoto(key, { status: 'done', progress: 100, uploadId: answer.upload_id })
      } catch (err) {
        this.patchPhoto(key, { status: 'failed', error: err.message })
      }
      this.uploading = false
      this.uploadNext()
    },

    patchPhoto(key, values) {
      const index = this.data.photos.findIndex((p) => p.key === key)
      if (index < 0) return // deleted meanwhile
      const patch = {}
      Object.keys(values).forEach((name) => {
        patch['photos[' + index + '].' + name] = values[name]
      })
      this.setData(patch)
    },

    retryPhoto(e) {
      this.patchPhoto(e.currentTarget.dataset.key, { status: 'waiting', error: '' })
      this.uploadNext()
    },

    removePhoto(e) {
      const key = e.currentTarget.dataset.key
      this.setData({ photos: this.data.photos.filter((p) => p.key !== key), 'errors.photos': '' })
    },

    previewPhoto(e) {
      wx.previewImage({
        current: e.currentTarget.dataset.path,
        urls: this.data.photos.map((p) => p.path),
      })
    },

    // -- submit ---------------------------------------------------------------------------

    form() {
      const d = this.data
      return {
        category: d.categoryIndex >= 0 ? d.categories[d.categoryIndex] : null,
        content: d.content,
        photos: d.photos,
        location: d.location,
        phone: d.phone,
        anonymous: d.anonymous,
        noPublish: d.noPublish,
      }
    },

    onSubmit() {
      if (this.data.submitting) return Promise.resolve()
      const form = this.form()
      const errors = validate(form, this.limits)
      if (Object.keys(errors).length) {
        this.setData({ errors })
        notify.flash(errors[Object.keys(errors)[0]], 'none')
        return Promise.resolve()
      }
      this.setData({ submitting: true, errors: {} })
      // Asked once per form: the consent is part of the body, and the body must stay the same
      // across retries of the same Idempotency-Key (the server refuses a changed body).
      const consent = this.subscribed
        ? Promise.resolve(this.subscribed)
        : requestSubscribe(this.noticeTemplates())
      return consent.then((accepted) => {
        this.subscribed = accepted
        return this.send(buildBody(form, this.data.scene, accepted))
      })
    },

    /** Reply, progress and 「问题解决了吗」 in one dialog: enough consent for the whole loop. */
    noticeTemplates() {
      const fromServer = this.scanInfo && this.scanInfo.subscribe_templates
      return citizenTemplates(fromServer, store.templates())
    },

    async send(body) {
      try {
        const created = await api.submitMessage(body, this.idempotencyKey)
        this.setData({
          state: 'done',
          submitting: false,
          result: created,
          notified: this.subscribed.length > 0,
        })
        wx.setNavigationBarTitle({ title: '提交成功' })
      } catch (err) {
        this.setData({ submitting: false, errors: fieldErrors(err.fields) })
        notify.showError(err)
      }
    },

    /**
     * 「提醒我」 on a coming reception day: the 接待提醒 dialog first thing in the tap (WeChat shows
     * it only then), then the server; what it answers is said in the page, whatever the channel.
     */
    async remindMe(e) {
      const id = Number(e.currentTarget.dataset.id)
      const templates = (this.scanInfo && this.scanInfo.subscribe_templates) || {}
      const accepted = await requestSubscribe([templates.reception])
      try {
        const answer = await api.remindReception(id, accepted)
        const receptions = this.data.receptions.map((r) => (r.id === id ? Object.assign({}, r, { subscribed: true }) : r))
        this.setData({ receptions })
        notify.flash(answer.notice || '已设置提醒')
      } catch (err) {
        notify.showError(err)
      }
    },

    copyTracking() {
      wx.setClipboardData({
        data: this.data.result.tracking_no,
        fail: (err) => {
          if (privacy.isRefusal(err)) notify.tell('没有复制。您可以长按受理编号复制，或记下来')
        },
      })
    },

    openDetail() {
      wx.redirectTo({ url: '/pages/detail/detail?id=' + this.data.result.id })
    },

    openMine() {
      wx.redirectTo({ url: '/pages/mine/mine' })
    },
  },
})
