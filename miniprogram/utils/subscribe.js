/**
 * Asking for notice permission (wx.requestSubscribeMessage). WeChat only shows the dialog in
 * direct response to a tap, so callers invoke this first thing in a tap handler, before any
 * await. Never fails: a refusal, a ban or an old base library just means no notices, and the
 * answer is still visible in the mini-program.
 */
const api = require('./api')

function requestSubscribe(tmplIds) {
  const ids = (tmplIds || []).filter(Boolean).slice(0, 3) // WeChat takes at most 3 per call
  if (!ids.length || typeof wx.requestSubscribeMessage !== 'function') return Promise.resolve([])
  return ask(ids).then((accepted) => api.mirrorConsent(accepted).then(() => accepted))
}

function ask(ids) {
  return new Promise((resolve) => {
    try {
      wx.requestSubscribeMessage({
        tmplIds: ids,
        success: (res) => resolve(ids.filter((id) => res && res[id] === 'accept')),
        fail: () => resolve([]),
      })
    } catch (e) {
      resolve([])
    }
  })
}

// The citizen's templates, asked for together at every tap, in the order the loop spends them
// (server/notices/layouts.py CITIZEN_LAYOUTS): the answer, a second answer or progress, then
// 「问题解决了吗」. Three is the most one dialog may show.
const CITIZEN_KEYS = ['reply', 'progress', 'solved']

/** The citizen's template ids: the server's (from /scan or the login answer) over our own. */
function citizenTemplates(fromServer, saved) {
  const known = Object.assign({}, saved || {}, fromServer || {})
  return CITIZEN_KEYS.map((key) => known[key]).filter(Boolean)
}

module.exports = { requestSubscribe, citizenTemplates, CITIZEN_KEYS }
