/**
 * Speech to text with WeChat's 同声传译 plugin (WechatSI, declared in app.json `plugins`).
 * Everything here may be missing — an account that has not added the plugin, a base library
 * without it, plain Node in tests — and then voice input is simply not offered.
 */
const privacy = require('./privacy')

const PLUGIN = 'WechatSI'
// 同声传译 records at most 60 s per start.
const MAX_DURATION_MS = 60000

/** The plugin's one recognition manager, or null when the plugin is not there. */
function recognizer() {
  try {
    if (typeof requirePlugin !== 'function') return null
    const plugin = requirePlugin(PLUGIN)
    const manager = plugin && plugin.getRecordRecognitionManager && plugin.getRecordRecognitionManager()
    return manager && typeof manager.start === 'function' ? manager : null
  } catch (e) {
    return null
  }
}

/**
 * Whether the microphone may be used: 'yes'; 'no' (refused); 'privacy' (the privacy guide
 * refused); or 'asked' (WeChat just asked, so the press that started it is over: press again).
 */
function microphone() {
  return new Promise((resolve) => {
    wx.getSetting({
      success: (res) => {
        const allowed = res && res.authSetting && res.authSetting['scope.record']
        if (allowed === true) resolve('yes')
        else if (allowed === false) resolve('no')
        else ask(resolve)
      },
      fail: () => ask(resolve),
    })
  })
}

function ask(resolve) {
  // wx.authorize(scope.record) is a private interface: its privacy prompt sits by this button.
  privacy.expect('voice')
  wx.authorize({
    scope: 'scope.record',
    success: () => {
      privacy.expect('')
      resolve('asked')
    },
    fail: (err) => {
      privacy.expect('')
      if (!privacy.isRefusal(err)) {
        resolve('no')
        return
      }
      privacy.markRefused()
      resolve('privacy')
    },
  })
}

module.exports = { PLUGIN, MAX_DURATION_MS, recognizer, microphone }
