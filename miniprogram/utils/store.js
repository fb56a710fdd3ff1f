/**
 * Small shared state between pages: the last scan (so the form opens instantly after the
 * entry page) and the reply template id the server announced. Kept in storage too, because
 * WeChat may recycle the entry page while the form is open.
 */
const config = require('../config')

const SCAN_KEY = 'lz.scan'
const TEMPLATES_KEY = 'lz.templates'

let lastScan = null

function rememberScan(scene, info) {
  lastScan = { scene, info }
  try {
    wx.setStorageSync(SCAN_KEY, lastScan)
    if (info && info.subscribe_templates) {
      wx.setStorageSync(TEMPLATES_KEY, Object.assign(savedTemplates(), info.subscribe_templates))
    }
  } catch (e) {
    /* storage full: memory is enough for this run */
  }
}

function scanFor(scene) {
  if (!lastScan) {
    try {
      lastScan = wx.getStorageSync(SCAN_KEY) || null
    } catch (e) {
      lastScan = null
    }
  }
  return lastScan && lastScan.scene === scene ? lastScan.info : null
}

function savedTemplates() {
  try {
    return wx.getStorageSync(TEMPLATES_KEY) || {}
  } catch (e) {
    return {}
  }
}

/** Template ids: the server's (from /scan) over config.js's. */
function templates() {
  return Object.assign({}, config.templates, savedTemplates())
}

function reset() {
  lastScan = null
}

module.exports = { rememberScan, scanFor, templates, reset }
