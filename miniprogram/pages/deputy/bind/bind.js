/**
 * A deputy binds their WeChat with the single-use invite code staff gave them: typed, or
 * scanned from the dashboard's invite QR (the bare code, or a URL carrying ?code=XXXX).
 * After binding, one tap asks for new-item and reminder notices.
 */
const api = require('../../../utils/api')
const elder = require('../../../utils/elder')
const notify = require('../../../utils/notify')
const store = require('../../../utils/store')
const { inviteFromText } = require('../../../utils/scene')
const { levelLabel } = require('../../../utils/format')
const { requestSubscribe } = require('../../../utils/subscribe')

Component({
  behaviors: [elder.behavior()],
  data: {
    code: '',
    error: '',
    binding: false,
    bound: null, // {name, levelText} once bound
    alreadyBound: false,
    consent: '', // '' | 'asking' | 'on' | 'off'
  },
  methods: {
    onLoad(options) {
      const session = api.session()
      if (session.isDeputy && session.deputy) {
        this.setData({ alreadyBound: true, bound: this.describe(session.deputy) })
      }
      // An invite link opened straight into this page: ?code=XXXX.
      const code = options && options.code ? inviteFromText(options.code) : null
      if (code) this.setData({ code })
    },

    describe(deputy) {
      return { name: deputy.name, levelText: levelLabel(deputy.level) }
    },

    onInput(e) {
      this.setData({ code: String(e.detail.value || '').toUpperCase(), error: '' })
    },

    scan() {
      wx.scanCode({
        onlyFromCamera: false,
        scanType: ['qrCode'],
        success: (res) => {
          const code = inviteFromText(res.result)
          if (!code) {
            this.setData({ error: '这不是代表邀请码的二维码，请核对后重试' })
            return
          }
          this.setData({ code, error: '' })
          this.bind()
        },
      })
    },

    async bind() {
      const code = inviteFromText(this.data.code)
      if (!code) {
        this.setData({ error: '请输入联络站工作人员给您的邀请码' })
        return
      }
      if (this.data.binding) return
      this.setData({ binding: true, error: '' })
      try {
        const answer = await api.bindDeputy(code)
        this.setData({ binding: false, bound: this.describe(answer.deputy || {}), alreadyBound: false })
      } catch (err) {
        this.setData({ binding: false, error: err.message })
      }
    },

    /** At a tap, as WeChat requires: new items and reminders for this deputy. */
    enableNotices() {
      const templates = store.templates()
      this.setData({ consent: 'asking' })
      return requestSubscribe([templates.new_item, templates.reminder]).then(async (accepted) => {
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

    openInbox() {
      wx.redirectTo({ url: '/pages/deputy/inbox/inbox' })
    },
  },
})
