/**
 * All network traffic of the mini-program goes through this module (docs/api.md).
 *
 * - base URL from config.js (per WeChat environment), overridable with configure() for tests;
 * - sign-in: wx.login() -> POST /api/v1/auth/wechat -> bearer token kept in storage;
 * - renewal: a 401 token_expired / invalid_token signs in again once and repeats the request;
 * - retries: network failures (and 502/503/504) are retried for requests that are safe to
 *   repeat (reads, uploads, and submissions carrying an Idempotency-Key), never on a 4xx;
 * - errors: an ApiError whose message is the server's Chinese `error.message`, as is.
 *
 * It uses only the global `wx`, so the same file runs in WeChat, under jest with a mocked
 * `wx`, and under Node with a shim that performs real HTTP (test/contract/).
 */
const config = require('../config')

const API_PREFIX = '/api/v1'
const STORAGE = {
  token: 'lz.token',
  role: 'lz.role',
  deputy: 'lz.deputy',
  sandboxOpenid: 'lz.sandbox.openid',
}
// Codes with which the server says "sign in again" (server/api/auth.py).
const RENEW_CODES = ['token_expired', 'invalid_token', 'unauthorized']
// Server errors worth another try when the request is safe to repeat.
const RETRY_STATUSES = [502, 503, 504]

const MESSAGES = {
  network: '网络连接失败，请检查网络后重试',
  server: '服务器开小差了，请稍后再试',
  unavailable: '服务暂时不可用，请稍后再试',
  login: '微信登录失败，请稍后再试',
  badResponse: '服务器返回的内容无法识别，请稍后再试',
}

class ApiError extends Error {
  /**
   * status 0 means the request never got an HTTP answer (network failure, timeout).
   */
  constructor(message, options) {
    super(message)
    const opts = options || {}
    this.name = 'ApiError'
    this.status = opts.status || 0
    this.code = opts.code || (this.status ? 'http_' + this.status : 'network_error')
    this.fields = opts.fields || null
  }

  get isNetwork() {
    return this.status === 0
  }
}

const settings = {
  baseUrl: config.baseUrl,
  timeout: config.timeout,
  retryDelays: config.retryDelays.slice(),
  sandbox: config.sandbox, // {url} in develop against a sandbox-backed server, else null
}

/** Point the module elsewhere (tests; a developer's LAN address). */
function configure(options) {
  Object.keys(options || {}).forEach((key) => {
    if (options[key] !== undefined) settings[key] = options[key]
  })
  if (settings.baseUrl) settings.baseUrl = String(settings.baseUrl).replace(/\/+$/, '')
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

// -- session -----------------------------------------------------------------------------

let cachedToken = null

function getToken() {
  if (cachedToken === null) {
    try {
      cachedToken = wx.getStorageSync(STORAGE.token) || ''
    } catch (e) {
      cachedToken = ''
    }
  }
  return cachedToken
}

function saveSession(answer) {
  cachedToken = answer.token || ''
  // Storage can fail on a full phone; the in-memory token still works for this run.
  try {
    wx.setStorageSync(STORAGE.token, cachedToken)
    wx.setStorageSync(STORAGE.role, answer.role || 'citizen')
    wx.setStorageSync(STORAGE.deputy, answer.deputy || null)
  } catch (e) {
    /* ignore */
  }
}

function clearToken() {
  cachedToken = ''
  try {
    wx.removeStorageSync(STORAGE.token)
  } catch (e) {
    /* ignore */
  }
}

/** What we know about the signed-in user without asking the server. */
function session() {
  let role = 'citizen'
  let deputy = null
  try {
    role = wx.getStorageSync(STORAGE.role) || 'citizen'
    deputy = wx.getStorageSync(STORAGE.deputy) || null
  } catch (e) {
    /* ignore */
  }
  return { token: getToken(), role, deputy, isDeputy: role === 'deputy' }
}

// -- transport ---------------------------------------------------------------------------

function url(path) {
  return settings.baseUrl + API_PREFIX + path
}

/** A photo URL from the server (relative, signed) made absolute for <image src>. */
function absoluteUrl(path) {
  if (!path) return ''
  if (/^https?:\/\//.test(path)) return path
  return settings.baseUrl + (path.charAt(0) === '/' ? '' : '/') + path
}

function parseBody(data) {
  if (typeof data !== 'string') return data
  try {
    return JSON.parse(data)
  } catch (e) {
    return data
  }
}

/** The server's error as an ApiError; its Chinese message is shown unchanged. */
function errorFromResponse(statusCode, data) {
  const body = parseBody(data)
  const error = body && typeof body === 'object' ? body.error : null
  if (error && error.message) {
    return new ApiError(error.message, {
      status: statusCode,
      code: error.code,
      fields: error.fields || null,
    })
  }
  // Not our JSON (a proxy's HTML page, an empty body): say something a person understands.
  const message = RETRY_STATUSES.indexOf(statusCode) >= 0 ? MESSAGES.unavailable : MESSAGES.server
  return new ApiError(message, { status: statusCode })
}

function networkError(fail) {
  const err = new ApiError(MESSAGES.network)
  err.detail = fail && fail.errMsg
  return err
}

function wxRequest(method, path, data, header) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: url(path),
      method,
      data,
      header,
      timeout: settings.timeout,
      dataType: 'json',
      success: resolve,
      fail: reject,
    })
  })
}

function authHeader(header) {
  const out = Object.assign({}, header)
  const token = getToken()
  if (token) out.Authorization = 'Bearer ' + token
  return out
}

/**
 * The shared loop: send, renew the token once on 401, retry network failures when allowed.
 * `send(header)` performs one attempt and resolves {statusCode, data}.
 */
async function withSession(send, options) {
  const auth = options.auth !== false
  const retry = !!options.retry
  const delays = settings.retryDelays
  let renewed = false
  let failures = 0
  if (auth && !getToken()) await login()
  for (;;) {
    let res
    const usedToken = auth ? getToken() : ''
    try {
      res = await send(auth ? authHeader(options.header) : Object.assign({}, options.header))
    } catch (fail) {
      if (retry && failures < delays.length) {
        await sleep(delays[failures++])
        continue
      }
      throw networkError(fail)
    }
    const status = res.statusCode
    if (status >= 200 && status < 300) {
      const body = parseBody(res.data)
      if (body === '' || typeof body === 'object') return body
      throw new ApiError(MESSAGES.badResponse, { status, code: 'bad_response' })
    }
    const err = errorFromResponse(status, res.data)
    if (auth && status === 401 && !renewed && RENEW_CODES.indexOf(err.code) >= 0) {
      // The token ran out or the server's key changed: one fresh sign-in, then the same call.
      renewed = true
      // Another call may have renewed meanwhile: then just repeat with its token.
      if (getToken() === usedToken) {
        clearToken()
        await login()
      }
      continue
    }
    if (retry && RETRY_STATUSES.indexOf(status) >= 0 && failures < delays.length) {
      await sleep(delays[failures++])
      continue
    }
    throw err
  }
}

/**
 * One API call. options: data, header, auth (default true), retry (default: GET only).
 */
function request(method, path, options) {
  const opts = Object.assign({}, options)
  if (opts.retry === undefined) opts.retry = method === 'GET'
  return withSession((header) => wxRequest(method, path, opts.data, header), opts)
}

// -- the WeChat sandbox, develop only -------------------------------------------------------

/** POST to the sandbox's control API (docs/wechat.md), answering its JSON or rejecting. */
function sandboxPost(route, data) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: settings.sandbox.url.replace(/\/+$/, '') + '/sandbox/' + route,
      method: 'POST',
      data,
      timeout: settings.timeout,
      success: (res) => (res.statusCode === 200 ? resolve(parseBody(res.data)) : reject(res)),
      fail: reject,
    })
  })
}

/** This DevTools install's sandbox user, made once and remembered. */
async function sandboxOpenid() {
  let openid = ''
  try {
    openid = wx.getStorageSync(STORAGE.sandboxOpenid) || ''
  } catch (e) {
    openid = ''
  }
  if (!openid) {
    openid = (await sandboxPost('users', { nickname: '开发者工具' })).openid
    wx.setStorageSync(STORAGE.sandboxOpenid, openid)
  }
  return openid
}

/**
 * In develop against the sandbox, what tapping 允许 does on a phone must also happen on the
 * sandbox, or it answers 43101 (no consent) when the server sends the notice. No-op otherwise.
 */
async function mirrorConsent(accepted) {
  if (!settings.sandbox || !accepted || !accepted.length) return
  try {
    const openid = await sandboxOpenid()
    for (const templateId of accepted) {
      await sandboxPost('consent', { openid, template_id: templateId, decision: 'accept' })
    }
  } catch (e) {
    /* a development convenience: never in the citizen's way */
  }
}

// -- sign-in -----------------------------------------------------------------------------

function wxLogin() {
  if (settings.sandbox) {
    // The sandbox only knows the codes it issued: ask it, as the phone would ask WeChat.
    const code = () => sandboxOpenid().then((openid) => sandboxPost('login_code', { openid }))
    return code()
      .catch(() => {
        // A restarted sandbox forgot our user (404): make a new one, once.
        wx.removeStorageSync(STORAGE.sandboxOpenid)
        return code()
      })
      .then((answer) => answer.code)
  }
  return new Promise((resolve, reject) => {
    wx.login({
      timeout: settings.timeout,
      success: (res) => (res && res.code ? resolve(res.code) : reject(res)),
      fail: reject,
    })
  })
}

async function doLogin() {
  const delays = settings.retryDelays
  for (let attempt = 0; ; attempt++) {
    let code
    try {
      code = await wxLogin()
    } catch (fail) {
      const err = new ApiError(MESSAGES.login, { code: 'wx_login_failed' })
      err.detail = fail && fail.errMsg
      throw err
    }
    try {
      const answer = await withSession(
        (header) => wxRequest('POST', '/auth/wechat', { code }, header),
        { auth: false, retry: false }
      )
      saveSession(answer)
      return answer
    } catch (err) {
      // A login code is single use: when the answer was lost the code may be spent already,
      // so every new attempt asks WeChat for a fresh code rather than resending the old one.
      const again = err.isNetwork || err.code === 'invalid_code' || RETRY_STATUSES.indexOf(err.status) >= 0
      if (again && attempt < delays.length) {
        await sleep(delays[attempt])
        continue
      }
      throw err
    }
  }
}

let pendingLogin = null

/** Sign in (again). Concurrent callers share one attempt, so a burst of 401s logs in once. */
function login() {
  if (!pendingLogin) {
    pendingLogin = doLogin().then(
      (answer) => {
        pendingLogin = null
        return answer
      },
      (err) => {
        pendingLogin = null
        throw err
      }
    )
  }
  return pendingLogin
}

// -- uploads -----------------------------------------------------------------------------

/**
 * Upload one photo (multipart, field `file`). options.onProgress(percent) follows the bytes;
 * options.onTask(task) receives the UploadTask (to abort). Retried on network failure: an
 * upload that reached the server twice only leaves an unused row behind.
 */
function upload(filePath, options) {
  const opts = options || {}
  const send = (header) =>
    new Promise((resolve, reject) => {
      const task = wx.uploadFile({
        url: url('/uploads'),
        filePath,
        name: 'file',
        header,
        timeout: settings.timeout * 4,
        success: resolve,
        fail: reject,
      })
      if (task && opts.onProgress && task.onProgressUpdate) {
        task.onProgressUpdate((res) => opts.onProgress(res.progress))
      }
      if (task && opts.onTask) opts.onTask(task)
    })
  return withSession(send, { auth: true, retry: opts.retry !== false })
}

// -- idempotency -------------------------------------------------------------------------

/**
 * A fresh Idempotency-Key: [A-Za-z0-9_-]{8,64}. The server scopes keys per citizen, so time
 * plus 20 random characters is unique enough; Math.random is fine, nothing secret rides on it.
 */
function newIdempotencyKey() {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  let random = ''
  for (let i = 0; i < 20; i++) {
    random += alphabet.charAt(Math.floor(Math.random() * alphabet.length))
  }
  return 'mp-' + Date.now().toString(36) + '-' + random
}

// -- the routes of docs/api.md -----------------------------------------------------------

const api = {
  ApiError,
  MESSAGES,
  STORAGE,
  configure,
  settings,
  request,
  login,
  session,
  clearToken,
  absoluteUrl,
  newIdempotencyKey,
  upload,
  mirrorConsent,

  /** What a code opens. No sign-in needed: the page shows before WeChat login finishes. */
  scan(scene) {
    return request('GET', '/scan/' + encodeURIComponent(scene), { auth: false })
  },

  /** Submit; the same key on every retry of the same form, so one form makes one item. */
  submitMessage(body, idempotencyKey) {
    return request('POST', '/messages', {
      data: body,
      header: { 'Idempotency-Key': idempotencyKey },
      retry: true,
    })
  },

  listMessages(page, perPage) {
    return request('GET', '/messages', { data: { page: page || 1, per_page: perPage || 20 } })
  },

  getMessage(id) {
    return request('GET', '/messages/' + encodeURIComponent(id))
  },

  followUp(id, content) {
    return request('POST', '/messages/' + encodeURIComponent(id) + '/followups', {
      data: { content },
    })
  },

  rate(id, score, comment) {
    const data = { score }
    if (comment) data.comment = comment
    return request('POST', '/messages/' + encodeURIComponent(id) + '/rating', { data })
  },

  /** 回访: 「问题解决了吗？」 answered; not solved puts the item back to work. */
  answerRevisit(id, solved) {
    return request('POST', '/messages/' + encodeURIComponent(id) + '/revisit', { data: { solved: !!solved } })
  },

  /**
   * 接待预告 「提醒我」: `accepted` is what the tap's subscribe dialog accepted (may be empty: the
   * server then says whether the official account can still remind, or nobody can).
   */
  remindReception(id, accepted) {
    return request('POST', '/receptions/' + encodeURIComponent(id) + '/reminder', {
      data: { accepted: accepted || [] },
    })
  },

  /** 「附近已有类似反映」: open items at this station like what is being written. */
  similarNearby(scene, content, category) {
    const data = { scene, content }
    if (category) data.category = category
    return request('POST', '/messages/similar', { data })
  },

  /**
   * 我也反映: add one's voice to an existing item instead of filing it again. The server checks
   * that it is one 「附近已有类似反映」 offers for this scene and text.
   */
  joinMessage(id, scene, content) {
    return request('POST', '/messages/' + encodeURIComponent(id) + '/join', { data: { scene, content } })
  },

  /** Tell the server which templates the user allowed in wx.requestSubscribeMessage. */
  reportSubscriptions(accepted) {
    return request('POST', '/subscriptions', { data: { accepted: accepted || [] } })
  },

  /** A staff member's WeChat receives their dashboard account's overdue and 督办 notices. */
  bindStaff(code) {
    return request('POST', '/staff/bind', { data: { code } })
  },

  async bindDeputy(inviteCode) {
    const answer = await request('POST', '/deputy/bind', { data: { invite_code: inviteCode } })
    saveSession(answer)
    return answer
  },

  inbox(status, page, perPage) {
    const data = { page: page || 1, per_page: perPage || 20 }
    if (status) data.status = status
    return request('GET', '/deputy/inbox', { data })
  },

  deputyMessage(id) {
    return request('GET', '/deputy/messages/' + encodeURIComponent(id))
  },

  /** 回电: the citizen's full number, asked for on a tap (the server records each ask). */
  deputyPhone(id) {
    return request('POST', '/deputy/messages/' + encodeURIComponent(id) + '/phone')
  },

  reply(id, content) {
    return request('POST', '/deputy/messages/' + encodeURIComponent(id) + '/replies', {
      data: { content },
    })
  },

  /** Today's duty: the stations the deputy is on the roster at, and whether they checked in. */
  dutyToday() {
    return request('GET', '/deputy/duty/today')
  },

  /** 值班签到: one tap at the station; a second tap answers `already` and records nothing. */
  checkIn(stationId) {
    return request('POST', '/deputy/checkin', { data: stationId ? { station_id: stationId } : {} })
  },

  /** The handling units the deputy may hand an item to (承办单位). */
  deputyUnits() {
    return request('GET', '/deputy/units')
  },

  /** 转交: hand the item to a unit with a note; the citizen is told who handles it by when. */
  transfer(id, unitId, note) {
    return request('POST', '/deputy/messages/' + encodeURIComponent(id) + '/transfer', {
      data: { unit_id: unitId, note: note || '' },
    })
  },

  /** 代表建议: mine (领衔 or 附议), with status, unit, due date and answer. */
  suggestions() {
    return request('GET', '/deputy/suggestions')
  },

  /** The deputies of my stations, whom I may ask to 附议. */
  colleagues() {
    return request('GET', '/deputy/suggestions/colleagues')
  },

  /** A draft from selected items; the 附议 deputies confirm it themselves. */
  draftSuggestion(title, content, messageIds, coDeputyIds) {
    return request('POST', '/deputy/suggestions', {
      data: { title, content, message_ids: messageIds, co_deputy_ids: coDeputyIds || [] },
    })
  },

  submitSuggestion(id) {
    return request('POST', '/deputy/suggestions/' + encodeURIComponent(id) + '/submit')
  },

  /** 附议: confirm (or decline) a suggestion I was asked to support. */
  confirmSuggestion(id, confirm) {
    return request('POST', '/deputy/suggestions/' + encodeURIComponent(id) + '/confirm', {
      data: { confirm: confirm !== false },
    })
  },

  /** The 领衔 deputy rates the unit's answer (背靠背). */
  rateSuggestion(id, score, comment) {
    return request('POST', '/deputy/suggestions/' + encodeURIComponent(id) + '/evaluation', {
      data: { score, comment: comment || '' },
    })
  },
}

module.exports = api
