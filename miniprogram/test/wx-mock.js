/**
 * The WeChat platform, as far as our code touches it, for jest. Not our code: a stand-in for
 * the `wx` object WeChat provides. Every API is a jest.fn() with a sensible default; tests
 * replace what they need. wx.request talks to a fake server whose routes tests declare:
 *
 *   server.on('GET', '/scan/s.abcd', () => ({ statusCode: 200, data: {...} }))
 *   server.on('POST', '/messages', (req) => { throw 'network' })   // a network failure
 *   server.on('GET', '/slow', () => new Promise(...))                 // a slow answer
 *
 * Private interfaces (chooseMedia, chooseLocation, authorize, requirePrivacyAuthorize) go
 * through WeChat's privacy check as WeChat does it: while the person has not agreed to the
 * privacy guide and the mini-program listens with wx.onNeedPrivacyAuthorization, the call
 * waits for the listener's resolve({event: 'agree', buttonId}) or resolve({event: 'disagree'}),
 * then goes on or fails with "privacy permission is not authorized" (errno 104). Tests wrap
 * their own implementation with gated(name, fn) to keep that check.
 */

function fakeServer() {
  const routes = []
  const calls = []
  return {
    calls,
    on(method, path, handler) {
      routes.unshift({ method, path, handler })
    },
    clear() {
      routes.length = 0
      calls.length = 0
    },
    /** Answer one wx.request-like call; returns {statusCode, data} or throws for a failure. */
    answer(req) {
      calls.push(req)
      const path = req.url.replace(/^https?:\/\/[^/]+\/api\/v1/, '').split('?')[0]
      const route = routes.find(
        (r) => r.method === req.method && (r.path instanceof RegExp ? r.path.test(path) : r.path === path)
      )
      if (!route) return { statusCode: 404, data: { error: { code: 'not_found', message: '找不到该内容' } } }
      return route.handler(Object.assign({ path }, req))
    },
    callsTo(method, path) {
      return calls.filter((c) => c.method === method && c.url.indexOf('/api/v1' + path) >= 0 &&
        c.url.replace(/^https?:\/\/[^/]+\/api\/v1/, '').split('?')[0] === path)
    },
  }
}

const server = fakeServer()
let storage = {}
let loginCounter = 0
// The order in which platform APIs were called, for tests about "X before Y".
const order = []
// What the person decided about the privacy guide, and who listens for WeChat's question.
const privacy = { agreed: true, listener: null, resolved: [] }
let authSetting = {}
let updateManager = null
let plugins = {}

function asyncCall(fn) {
  return new Promise((resolve) => setTimeout(resolve, 0)).then(fn)
}

/** fn(opts), behind WeChat's privacy check for the interface `name`. */
function gated(name, fn) {
  return (opts) => {
    const options = opts || {}
    if (privacy.agreed || !privacy.listener) {
      asyncCall(() => fn(options))
      return
    }
    let settled = false
    const resolve = (result) => {
      privacy.resolved.push(result)
      if (settled || !result || result.event === 'exposureAuthorization') return
      settled = true
      if (result.event === 'agree' && result.buttonId) {
        privacy.agreed = true
        asyncCall(() => fn(options))
      } else {
        const err = { errMsg: name + ':fail privacy permission is not authorized', errno: 104 }
        asyncCall(() => {
          if (options.fail) options.fail(err)
          if (options.complete) options.complete(err)
        })
      }
    }
    asyncCall(() => privacy.listener(resolve, { referrer: name }))
  }
}

/** The 同声传译 plugin's recognition manager: start/stop, and what it will "hear". */
function fakeRecognizer() {
  const manager = {
    heard: '',
    start: jest.fn(() => asyncCall(() => manager.onStart && manager.onStart({ msg: 'Ok' }))),
    stop: jest.fn(() =>
      asyncCall(() => {
        if (manager.heard && manager.onRecognize) manager.onRecognize({ result: manager.heard })
        if (manager.onStop) manager.onStop({ result: manager.heard, tempFilePath: 'wxfile://tmp/voice.mp3', duration: 1800, fileSize: 9000 })
      })
    ),
  }
  return manager
}

function fakeUpdateManager() {
  const callbacks = {}
  return {
    onCheckForUpdate: jest.fn((cb) => (callbacks.check = cb)),
    onUpdateReady: jest.fn((cb) => (callbacks.ready = cb)),
    onUpdateFailed: jest.fn((cb) => (callbacks.failed = cb)),
    applyUpdate: jest.fn(),
    /** What WeChat does once the new version is downloaded. */
    becomeReady() {
      if (callbacks.check) callbacks.check({ hasUpdate: true })
      if (callbacks.ready) callbacks.ready()
    },
  }
}

function build() {
  const wxMock = {
    // -- network ------------------------------------------------------------------------
    request: jest.fn((opts) => {
      const req = { url: opts.url, method: opts.method || 'GET', data: opts.data, header: opts.header || {} }
      order.push('request ' + req.method + ' ' + req.url.replace(/^https?:\/\/[^/]+/, ''))
      // A handler may answer a value, throw (network failure) or return a promise (a slow answer).
      asyncCall(() => server.answer(req)).then(
        (res) => opts.success && opts.success({ statusCode: res.statusCode, data: res.data, header: {} }),
        (e) => opts.fail && opts.fail({ errMsg: 'request:fail ' + e })
      )
      return { abort() {} }
    }),
    uploadFile: jest.fn((opts) => {
      const listeners = []
      const req = { url: opts.url, method: 'POST', filePath: opts.filePath, name: opts.name, header: opts.header || {} }
      order.push('uploadFile ' + opts.filePath)
      asyncCall(() => {
        listeners.forEach((cb) => cb({ progress: 50, totalBytesSent: 50, totalBytesExpectedToSend: 100 }))
        let res
        try {
          res = server.answer(req)
        } catch (e) {
          opts.fail && opts.fail({ errMsg: 'uploadFile:fail ' + e })
          return
        }
        listeners.forEach((cb) => cb({ progress: 100, totalBytesSent: 100, totalBytesExpectedToSend: 100 }))
        // uploadFile hands the body over as a string, unlike wx.request.
        const data = typeof res.data === 'string' ? res.data : JSON.stringify(res.data)
        opts.success && opts.success({ statusCode: res.statusCode, data })
      })
      return { onProgressUpdate: (cb) => listeners.push(cb), abort() {} }
    }),
    login: jest.fn((opts) => {
      loginCounter += 1
      order.push('login')
      asyncCall(() => opts.success({ code: 'code-' + loginCounter, errMsg: 'login:ok' }))
    }),
    // -- storage ------------------------------------------------------------------------
    getStorageSync: jest.fn((key) => (key in storage ? storage[key] : '')),
    setStorageSync: jest.fn((key, value) => {
      storage[key] = value
    }),
    removeStorageSync: jest.fn((key) => {
      delete storage[key]
    }),
    // -- UI -----------------------------------------------------------------------------
    showToast: jest.fn(),
    showModal: jest.fn((opts) => opts && opts.success && opts.success({ confirm: true, cancel: false })),
    showLoading: jest.fn(),
    hideLoading: jest.fn(),
    navigateTo: jest.fn(),
    redirectTo: jest.fn(),
    reLaunch: jest.fn(),
    navigateBack: jest.fn(),
    setNavigationBarTitle: jest.fn(),
    stopPullDownRefresh: jest.fn(),
    setClipboardData: jest.fn(),
    previewImage: jest.fn(),
    makePhoneCall: jest.fn(),
    // -- device -------------------------------------------------------------------------
    requestSubscribeMessage: jest.fn((opts) => {
      order.push('requestSubscribeMessage ' + opts.tmplIds.join(','))
      const res = { errMsg: 'requestSubscribeMessage:ok' }
      opts.tmplIds.forEach((id) => {
        res[id] = 'accept'
      })
      asyncCall(() => opts.success && opts.success(res))
    }),
    chooseMedia: jest.fn(),
    chooseLocation: jest.fn(),
    scanCode: jest.fn(),
    getAccountInfoSync: jest.fn(() => ({ miniProgram: { appId: 'wxtest', envVersion: 'develop' } })),
    getSetting: jest.fn((opts) => asyncCall(() => opts.success({ authSetting: Object.assign({}, authSetting) }))),
    authorize: jest.fn(
      gated('authorize', (opts) => {
        authSetting[opts.scope] = true
        if (opts.success) opts.success({ errMsg: 'authorize:ok' })
      })
    ),
    // -- privacy ------------------------------------------------------------------------
    onNeedPrivacyAuthorization: jest.fn((listener) => {
      privacy.listener = listener
    }),
    requirePrivacyAuthorize: jest.fn(gated('requirePrivacyAuthorize', (opts) => opts.success && opts.success({}))),
    getPrivacySetting: jest.fn((opts) =>
      asyncCall(() => opts.success({ needAuthorization: !privacy.agreed, privacyContractName: '《码上联络站小程序隐私保护指引》' }))
    ),
    openPrivacyContract: jest.fn((opts) => opts && opts.success && asyncCall(() => opts.success({}))),
    // -- updates ------------------------------------------------------------------------
    getUpdateManager: jest.fn(() => {
      if (!updateManager) updateManager = fakeUpdateManager()
      return updateManager
    }),
  }
  return wxMock
}

/** A fresh platform for every test: new mocks, empty storage, no routes. */
function resetWx() {
  storage = {}
  loginCounter = 0
  order.length = 0
  server.clear()
  privacy.agreed = true
  privacy.listener = null
  privacy.resolved = []
  authSetting = { 'scope.record': true }
  updateManager = null
  plugins = { WechatSI: { getRecordRecognitionManager: () => plugins.recognizer } }
  plugins.recognizer = fakeRecognizer()
  const fresh = build()
  global.wx = Object.assign(global.wx || {}, fresh)
  // requirePlugin is a global in WeChat, like wx; it throws for a plugin the app does not have.
  global.requirePlugin = jest.fn((name) => {
    if (!plugins[name]) throw new Error('plugin "' + name + '" is not defined')
    return plugins[name]
  })
  return global.wx
}

module.exports = {
  server,
  resetWx,
  order,
  gated,
  storage: () => storage,
  privacy,
  /** The microphone permission as WeChat keeps it: true, false, or undefined (never asked). */
  setMicrophone(value) {
    if (value === undefined) delete authSetting['scope.record']
    else authSetting['scope.record'] = value
  },
  updateManager: () => wx.getUpdateManager(),
  recognizer: () => plugins.recognizer,
  removePlugin(name) {
    delete plugins[name]
  },
}
