/**
 * A new version of the mini-program is downloaded by WeChat in the background; without a
 * restart the person keeps the old one until WeChat drops it from memory. When it is ready,
 * ask (utils/notify: a dialog, or inline in 长辈版) and restart on yes. On 稍后 nothing is
 * lost: the next cold start opens the new version anyway.
 */
const notify = require('./notify')

const QUESTION = '新版本已准备好，是否重启？'

function watch() {
  if (typeof wx.getUpdateManager !== 'function') return // base library older than 1.9.90
  const manager = wx.getUpdateManager()
  manager.onUpdateReady(() => {
    notify.ask({ text: QUESTION, confirmText: '重启', cancelText: '稍后' }).then((yes) => {
      if (yes) manager.applyUpdate()
    })
  })
  // A failed download leaves the old version working; WeChat tries again on a later launch.
  manager.onUpdateFailed(() => {})
}

module.exports = { QUESTION, watch }
