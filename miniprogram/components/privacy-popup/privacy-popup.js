const elder = require('../../utils/elder')
const privacy = require('../../utils/privacy')

// Why this part of the page needs the guide, in the words the person will read.
const REASONS = {
  photos: '添加照片需要读取您选中的照片。',
  place: '选择地点需要用到您在地图上选中的位置。',
  voice: '语音输入需要使用麦克风。',
  copy: '复制受理编号需要使用剪贴板。',
  '': '这项功能需要用到您的个人信息。',
}

/**
 * Our own prompt for the privacy guide (utils/privacy.js). `area` '' is the page's general
 * prompt: a dialog over the page. In 长辈版 there are no pop-ups: the prompt appears in the
 * page, next to the button that asked (a prompt with that `area`), or where the general one sits.
 */
Component({
  behaviors: [elder.behavior()],
  properties: {
    area: { type: String, value: '' },
  },
  data: {
    visible: false,
    reason: REASONS[''],
    name: '《隐私保护指引》',
    buttonId: 'privacy-agree',
  },
  observers: {
    elder() {
      this.refresh()
    },
  },
  lifetimes: {
    attached() {
      privacy.start()
      this.setData({ buttonId: 'privacy-agree-' + (this.data.area || 'page') })
      this.unregister = privacy.registerPrompt(this.data.area)
      this.stopFollowing = privacy.onChange(() => this.refresh())
      privacy.contractName().then((name) => name && this.setData({ name }))
      this.refresh()
    },
    detached() {
      if (this.unregister) this.unregister()
      if (this.stopFollowing) this.stopFollowing()
    },
  },
  methods: {
    refresh() {
      const state = privacy.state()
      const visible = privacy.promptArea(this.data.elder) === this.data.area
      this.setData({ visible, reason: REASONS[state.area] || REASONS[''] })
    },
    openContract() {
      privacy.openContract()
    },
    onAgree() {
      privacy.agree(this.data.buttonId)
    },
    onDisagree() {
      privacy.disagree()
    },
  },
})
