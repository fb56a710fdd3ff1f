/**
 * Telling the person something the page itself does not show: an error from the server, a
 * question such as "restart for the new version?".
 *
 * Normal mode uses WeChat's toast (short text) and dialog (long text, questions). 长辈版 has no
 * pop-ups: the same text goes to components/inline-alert, which every page carries, and stays
 * until it is answered — a toast vanishes before an older reader has finished it.
 */
const api = require('./api')
const elder = require('./elder')

// A toast shows about two short lines; longer text needs a dialog to be readable.
const TOAST_MAX_CHARS = 14

const listeners = []
let shown = null // {kind: 'message' | 'question', text, confirmText, cancelText}
let answerQuestion = null

function publish() {
  listeners.slice().forEach((listener) => listener(shown))
}

/** Say something; returns the text. */
function tell(text) {
  if (elder.isOn()) {
    if (answerQuestion) answerQuestion(false) // a message replaces an unanswered question
    answerQuestion = null
    shown = { kind: 'message', text, confirmText: '知道了', cancelText: '' }
    publish()
  } else if (text.length > TOAST_MAX_CHARS) {
    wx.showModal({ title: '提示', content: text, showCancel: false, confirmText: '知道了' })
  } else {
    wx.showToast({ title: text, icon: 'none', duration: 2500 })
  }
  return text
}

/**
 * A short confirmation or hint (「已发送」, the form's first error) that the page itself shows
 * as well: WeChat's toast normally (icon 'success' or 'none'); in 长辈版 the inline bar, so
 * nothing pops up and the reader sees it until they tap 知道了.
 */
function flash(text, icon) {
  if (elder.isOn()) return tell(text)
  wx.showToast({ title: text, icon: icon || 'none' })
  return text
}

/** An error the way a person should read it: the server's message, unchanged. */
function showError(err, fallback) {
  return tell((err && err.message) || fallback || api.MESSAGES.server)
}

/** A yes/no question; resolves true for yes. Never rejects. */
function ask(options) {
  const question = {
    kind: 'question',
    text: options.text,
    confirmText: options.confirmText || '确定',
    cancelText: options.cancelText || '取消',
  }
  return new Promise((resolve) => {
    if (!elder.isOn()) {
      wx.showModal({
        title: '提示',
        content: question.text,
        confirmText: question.confirmText,
        cancelText: question.cancelText,
        success: (res) => resolve(!!(res && res.confirm)),
        fail: () => resolve(false),
      })
      return
    }
    if (answerQuestion) answerQuestion(false)
    answerQuestion = resolve
    shown = question
    publish()
  })
}

/** The inline answer: true for the confirm button, false for cancel or 知道了. */
function answer(yes) {
  const resolve = answerQuestion
  answerQuestion = null
  shown = null
  publish()
  if (resolve) resolve(!!yes)
}

function current() {
  return shown
}

function onChange(listener) {
  listeners.push(listener)
  return () => {
    const index = listeners.indexOf(listener)
    if (index >= 0) listeners.splice(index, 1)
  }
}

module.exports = { tell, flash, showError, ask, answer, current, onChange }
