/**
 * What a scanned code says, from every way WeChat hands it to us. Pure functions: no wx.
 *
 * - mini-program code (getwxacodeunlimit): page options.scene, URL-encoded, e.g. "s.ab12cd34";
 * - plain QR code (扫普通链接二维码打开小程序): options.q, the URL-encoded URL
 *   "https://<host>/q/<scene>";
 * - wx.scanCode inside the mini-program: res.path for a mini-program code
 *   ("pages/entry/entry?scene=..."), res.result for a plain QR (the URL, or bare text).
 */

// server/intake/scenes.py SCENE: s.<code> is a station, d.<code> a deputy (case-insensitive).
const SCENE = /^[sd]\.[a-z0-9]{4,16}$/i
// Invite codes are typed on a phone: letters and digits (server/models/deputy.py).
const INVITE = /^[A-Z0-9]{4,32}$/

function safeDecode(value) {
  try {
    return decodeURIComponent(value)
  } catch (e) {
    return value
  }
}

/** Decode until stable (WeChat double-encodes in some paths), at most a few times. */
function fullyDecode(value) {
  let current = String(value)
  for (let i = 0; i < 3; i++) {
    const next = safeDecode(current)
    if (next === current) break
    current = next
  }
  return current
}

function normalizeScene(value) {
  if (value === undefined || value === null) return null
  const scene = fullyDecode(value).trim()
  return SCENE.test(scene) ? scene.toLowerCase() : null
}

/** The scene inside a URL like https://host/q/s.abcd1234 (query and fragment ignored). */
function sceneFromUrl(text) {
  const decoded = fullyDecode(text || '').trim()
  const match = /\/q\/([^/?#]+)/.exec(decoded)
  if (match) return normalizeScene(match[1])
  const query = /[?&]scene=([^&#]+)/.exec(decoded)
  return query ? normalizeScene(query[1]) : null
}

/** Page options -> scene or null. `scene` wins over `q` (a code and a link can't both come). */
function sceneFromOptions(options) {
  const opts = options || {}
  if (opts.scene !== undefined && opts.scene !== null && opts.scene !== '') {
    return normalizeScene(opts.scene)
  }
  if (opts.q) return sceneFromUrl(opts.q)
  return null
}

/** wx.scanCode's answer -> scene or null. */
function sceneFromScanResult(res) {
  if (!res) return null
  if (res.path) {
    const fromPath = sceneFromUrl(res.path)
    if (fromPath) return fromPath
  }
  const text = String(res.result || '').trim()
  return sceneFromUrl(text) || normalizeScene(text)
}

function kindOfScene(scene) {
  if (!scene) return null
  return scene.charAt(0).toLowerCase() === 'd' ? 'deputy' : 'station'
}

/**
 * An invite code from what the deputy typed or scanned: the bare code, or a URL carrying
 * ?code=XXXX (the dashboard's invite QR may be either). Upper-cased; null if not a code.
 */
function inviteFromText(text) {
  let value = fullyDecode(text || '').trim()
  const match = /[?&#]code=([^&#\s]+)/i.exec(value)
  if (match) value = fullyDecode(match[1]).trim()
  value = value.replace(/[\s-]/g, '').toUpperCase()
  return INVITE.test(value) ? value : null
}

// A staff member's one-time code from the dashboard's 「绑定微信」: S + 8 letters or digits; its
// QR holds "lzstaff:<code>" (server/identity/staff_wechat.py).
const STAFF_CODE = /^S[A-Z0-9]{8}$/

/** The staff binding code in what was typed or scanned, or null. */
function staffCodeFromText(text) {
  const value = fullyDecode(text || '')
    .trim()
    .replace(/^lzstaff:/i, '')
    .replace(/[\s-]/g, '')
    .toUpperCase()
  return STAFF_CODE.test(value) ? value : null
}

module.exports = {
  staffCodeFromText,
  sceneFromOptions,
  sceneFromUrl,
  sceneFromScanResult,
  normalizeScene,
  kindOfScene,
  inviteFromText,
}
