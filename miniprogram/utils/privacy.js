/**
 * 用户隐私保护指引 (enforced by WeChat since 2023-10-17). WeChat holds every private interface
 * this mini-program uses — photos (wx.chooseMedia), a place (wx.chooseLocation), the clipboard
 * (wx.setClipboardData), the microphone (the 同声传译 plugin) — until the person agrees to the
 * guide, and asks us through wx.onNeedPrivacyAuthorization to show our own prompt
 * (components/privacy-popup). This module keeps the one pending question, which part of the
 * page asked (so 长辈版 can ask right there instead of in a pop-up), and whether the person
 * refused (so the submit page offers text only instead of asking again and again).
 */
// What WeChat names in eventInfo.referrer, and the part of the page that asked.
const AREAS = {
  chooseMedia: 'photos',
  chooseImage: 'photos',
  chooseLocation: 'place',
  setClipboardData: 'copy',
}
// How a private interface fails when the person did not agree (errno 104). Not "api scope is
// not declared in the privacy agreement" (112): that is ours to fix in the console, not theirs.
const REFUSED_ERRNO = 104
const REFUSED = /privacy permission is not authorized/

const listeners = []
const prompts = [] // the areas of the prompts on screen; '' is a page's general one
let started = false
let pending = null // {resolve, area}
let refused = false
let expectedArea = ''

function publish() {
  const state = snapshot()
  listeners.slice().forEach((listener) => listener(state))
}

function snapshot() {
  return { asking: !!pending, area: pending ? pending.area : '', refused }
}

/** Take over WeChat's prompt; called from app.js and by every prompt on screen (idempotent). */
function start() {
  if (started || typeof wx.onNeedPrivacyAuthorization !== 'function') return
  started = true
  wx.onNeedPrivacyAuthorization((resolve, eventInfo) => {
    const referrer = (eventInfo && eventInfo.referrer) || ''
    // One question at a time: an older one that nobody answered counts as not agreed.
    if (pending) pending.resolve({ event: 'disagree' })
    pending = { resolve, area: expectedArea || AREAS[referrer] || '' }
    expectedArea = ''
    if (!prompts.length) {
      // No prompt on this page: refusing beats leaving the interface hanging forever.
      disagree()
      return
    }
    resolve({ event: 'exposureAuthorization' })
    publish()
  })
}

/** The person tapped our agree button (open-type="agreePrivacyAuthorization", id buttonId). */
function agree(buttonId) {
  if (pending) pending.resolve({ buttonId, event: 'agree' })
  pending = null
  refused = false
  publish()
}

function disagree() {
  if (pending) pending.resolve({ event: 'disagree' })
  pending = null
  refused = true
  publish()
}

/**
 * Our own next private call comes from this part of the page (WeChat's referrer may not say);
 * '' once that call is over, so a later call elsewhere is not placed here.
 */
function expect(area) {
  expectedArea = area || ''
}

/** A private interface failed because the guide was not agreed to. */
function isRefusal(err) {
  return !!(err && (err.errno === REFUSED_ERRNO || REFUSED.test(err.errMsg || '')))
}

function markRefused() {
  refused = true
  publish()
}

/** A tap on a button that waits for the guide: ask again, now; resolves true once agreed. */
function askAgain(area) {
  return new Promise((resolve) => {
    if (typeof wx.requirePrivacyAuthorize !== 'function') {
      resolve(false)
      return
    }
    expect(area)
    wx.requirePrivacyAuthorize({
      success: () => {
        expect('')
        refused = false
        publish()
        resolve(true)
      },
      fail: () => {
        expect('')
        refused = true
        publish()
        resolve(false)
      },
    })
  })
}

function openContract() {
  if (typeof wx.openPrivacyContract === 'function') wx.openPrivacyContract({})
}

/** The guide's title as registered in the console, e.g. 《码上联络站小程序隐私保护指引》. */
function contractName() {
  return new Promise((resolve) => {
    if (typeof wx.getPrivacySetting !== 'function') {
      resolve('')
      return
    }
    wx.getPrivacySetting({
      success: (res) => resolve((res && res.privacyContractName) || ''),
      fail: () => resolve(''),
    })
  })
}

/** A prompt on screen; returns the function that takes it away. */
function registerPrompt(area) {
  prompts.push(area)
  return () => {
    const index = prompts.indexOf(area)
    if (index >= 0) prompts.splice(index, 1)
  }
}

/**
 * Which prompt shows the pending question: in 长辈版 the one next to the button that asked,
 * when the page has one there; otherwise the page's general one ('').
 */
function promptArea(inElderMode) {
  if (!pending) return null
  if (inElderMode && pending.area && prompts.indexOf(pending.area) >= 0) return pending.area
  return ''
}

function onChange(listener) {
  listeners.push(listener)
  return () => {
    const index = listeners.indexOf(listener)
    if (index >= 0) listeners.splice(index, 1)
  }
}

module.exports = {
  start,
  agree,
  disagree,
  expect,
  isRefusal,
  markRefused,
  askAgain,
  openContract,
  contractName,
  state: snapshot,
  registerPrompt,
  promptArea,
  onChange,
}
