const elder = require('../../utils/elder')
const privacy = require('../../utils/privacy')
const voice = require('../../utils/voice')

// 同声传译 onError: the recorder itself failed, most often because the microphone is not allowed.
const RECORDER_FAILED = -30001

/**
 * 「按住说话」: hold to speak, release to stop; the recognised text is fired as `text`
 * ({text}) for the page to append to what was typed. Without the plugin the button is not
 * there; without the microphone it goes away and says to type instead. Typing always works.
 */
Component({
  behaviors: [elder.behavior()],
  data: {
    available: false,
    recording: false,
    interim: '',
    hint: '',
    unavailable: '',
  },
  lifetimes: {
    attached() {
      this.manager = voice.recognizer()
      if (!this.manager) return
      // Recording has begun or ended: the privacy question, if any, was this button's.
      this.manager.onStart = () => privacy.expect('')
      this.manager.onRecognize = (res) => this.setData({ interim: (res && res.result) || '' })
      this.manager.onStop = (res) => {
        privacy.expect('')
        this.finish(res && res.result)
      }
      this.manager.onError = (res) => {
        privacy.expect('')
        this.fail(res)
      }
      this.setData({ available: true })
    },
    detached() {
      if (this.data.recording) this.manager.stop()
    },
  },
  methods: {
    onPress() {
      if (this.data.recording || this.checking) return
      this.checking = true
      this.released = false
      return voice.microphone().then((answer) => {
        this.checking = false
        if (answer === 'no') return this.giveUp('不能使用麦克风，请直接打字输入')
        if (answer === 'privacy') return this.giveUp('您没有同意隐私保护指引，暂时不能说话输入，请直接打字')
        if (answer === 'asked') {
          // WeChat's own dialog interrupted the press: the person presses again to speak.
          this.setData({ hint: '已允许使用麦克风，请再按住按钮说话' })
          return
        }
        if (this.released) return // a quick tap, not a hold: nothing to record
        privacy.expect('voice')
        this.setData({ recording: true, interim: '', hint: '' })
        this.manager.start({ lang: 'zh_CN', duration: voice.MAX_DURATION_MS })
      })
    },

    onRelease() {
      this.released = true
      if (this.data.recording) this.manager.stop()
    },

    finish(result) {
      const text = String(result || '').trim()
      this.setData({ recording: false, interim: '', hint: text ? '' : '没有听清，请按住按钮再说一次' })
      if (text) this.triggerEvent('text', { text })
    },

    fail(res) {
      if (res && res.retcode === RECORDER_FAILED) {
        this.giveUp('不能使用麦克风，请直接打字输入')
        return
      }
      this.setData({ recording: false, interim: '', hint: '语音识别暂时不可用，请稍后再试，或直接打字' })
    },

    giveUp(why) {
      this.setData({ available: false, recording: false, interim: '', hint: '', unavailable: why })
    },
  },
})
