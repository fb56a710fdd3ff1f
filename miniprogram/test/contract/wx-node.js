/**
 * A `wx` for Node that does what a phone would do, over real HTTP (Node 20: fetch, FormData,
 * Blob). Not our code under test: it stands in for the WeChat client so that the
 * mini-program's own utils/api.js can be run against the real server and the WeChat sandbox.
 *
 * - wx.request / wx.uploadFile: fetch; like WeChat, success is called for any HTTP status and
 *   fail only when no answer came (uploadFile's data is a string, request's is parsed JSON);
 * - wx.login: the sandbox's POST /sandbox/login_code for this phone's openid;
 * - wx.requestSubscribeMessage: what tapping 允许 does, POST /sandbox/consent per template;
 * - storage: an object the caller persists between phases.
 *
 * Fault injection for the tests: loseNextResponse(method, pathPart) lets the request reach
 * the server and then reports a network failure (the answer was "lost on the way back");
 * failNext(method, pathPart) fails before sending.
 */
const fs = require('fs')
const path = require('path')

function createWx(options) {
  const sandboxUrl = options.sandboxUrl.replace(/\/+$/, '')
  const storage = options.storage || {}
  const faults = []
  const log = []
  const counters = { login: 0, request: 0, uploadFile: 0, consent: 0 }

  async function sandbox(method, route, body) {
    const res = await fetch(sandboxUrl + '/sandbox/' + route, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    })
    if (!res.ok) throw new Error('sandbox ' + route + ' answered ' + res.status + ': ' + (await res.text()))
    return res.json()
  }

  function takeFault(method, url) {
    const index = faults.findIndex((f) => f.method === method && url.indexOf(f.pathPart) >= 0)
    if (index < 0) return null
    return faults.splice(index, 1)[0]
  }

  function queryString(data) {
    return Object.keys(data || {})
      .filter((k) => data[k] !== undefined && data[k] !== null)
      .map((k) => encodeURIComponent(k) + '=' + encodeURIComponent(data[k]))
      .join('&')
  }

  function parse(text) {
    try {
      return JSON.parse(text)
    } catch (e) {
      return text
    }
  }

  const wx = {
    request(opts) {
      counters.request += 1
      const method = (opts.method || 'GET').toUpperCase()
      let url = opts.url
      const headers = Object.assign({ 'content-type': 'application/json' }, opts.header)
      let body
      if (method === 'GET') {
        const qs = queryString(opts.data)
        if (qs) url += (url.indexOf('?') >= 0 ? '&' : '?') + qs
      } else if (opts.data !== undefined) {
        body = typeof opts.data === 'string' ? opts.data : JSON.stringify(opts.data)
      }
      const fault = takeFault(method, url)
      log.push(method + ' ' + url.replace(/^https?:\/\/[^/]+/, '') + (fault ? ' [' + fault.kind + ']' : ''))
      const run = async () => {
        if (fault && fault.kind === 'fail') throw new Error('simulated network failure')
        const res = await fetch(url, {
          method,
          headers,
          body,
          signal: AbortSignal.timeout(opts.timeout || 60000),
        })
        const text = await res.text()
        if (fault && fault.kind === 'lose') throw new Error('simulated lost response')
        const header = {}
        res.headers.forEach((v, k) => (header[k] = v))
        return { statusCode: res.status, data: parse(text), header, errMsg: 'request:ok' }
      }
      run().then(
        (res) => opts.success && opts.success(res),
        (err) => opts.fail && opts.fail({ errMsg: 'request:fail ' + err.message })
      )
      return { abort() {} }
    },

    uploadFile(opts) {
      counters.uploadFile += 1
      const listeners = []
      const fault = takeFault('POST', opts.url)
      log.push('UPLOAD ' + opts.url.replace(/^https?:\/\/[^/]+/, '') + (fault ? ' [' + fault.kind + ']' : ''))
      const run = async () => {
        if (fault && fault.kind === 'fail') throw new Error('simulated network failure')
        const bytes = fs.readFileSync(opts.filePath)
        const form = new FormData()
        Object.keys(opts.formData || {}).forEach((k) => form.append(k, String(opts.formData[k])))
        form.append(opts.name, new Blob([bytes]), path.basename(opts.filePath))
        const res = await fetch(opts.url, {
          method: 'POST',
          headers: Object.assign({}, opts.header),
          body: form,
          signal: AbortSignal.timeout(opts.timeout || 60000),
        })
        const text = await res.text()
        if (fault && fault.kind === 'lose') throw new Error('simulated lost response')
        // fetch has no upload progress: report the whole file once it is sent.
        listeners.forEach((cb) =>
          cb({ progress: 100, totalBytesSent: bytes.length, totalBytesExpectedToSend: bytes.length })
        )
        return { statusCode: res.status, data: text, errMsg: 'uploadFile:ok' }
      }
      run().then(
        (res) => opts.success && opts.success(res),
        (err) => opts.fail && opts.fail({ errMsg: 'uploadFile:fail ' + err.message })
      )
      return { onProgressUpdate: (cb) => listeners.push(cb), abort() {} }
    },

    login(opts) {
      counters.login += 1
      sandbox('POST', 'login_code', { openid: options.openid }).then(
        (answer) => opts.success && opts.success({ code: answer.code, errMsg: 'login:ok' }),
        (err) => opts.fail && opts.fail({ errMsg: 'login:fail ' + err.message })
      )
    },

    requestSubscribeMessage(opts) {
      const decision = options.consentDecision || 'accept'
      const result = { errMsg: 'requestSubscribeMessage:ok' }
      Promise.all(
        opts.tmplIds.map((id) => {
          counters.consent += 1
          result[id] = decision
          return sandbox('POST', 'consent', { openid: options.openid, template_id: id, decision })
        })
      ).then(
        () => opts.success && opts.success(result),
        (err) => opts.fail && opts.fail({ errMsg: 'requestSubscribeMessage:fail ' + err.message })
      )
    },

    getStorageSync(key) {
      return key in storage ? storage[key] : ''
    },
    setStorageSync(key, value) {
      storage[key] = value
    },
    removeStorageSync(key) {
      delete storage[key]
    },
    getAccountInfoSync() {
      return { miniProgram: { appId: 'wx5e1f0c0de0000001', envVersion: 'develop' } }
    },
    showToast(opts) {
      log.push('toast ' + opts.title)
    },
    showModal(opts) {
      log.push('modal ' + opts.content)
      if (opts.success) opts.success({ confirm: true, cancel: false })
    },
  }

  return {
    wx,
    storage,
    log,
    counters,
    sandbox,
    loseNextResponse(method, pathPart) {
      faults.push({ method, pathPart, kind: 'lose' })
    },
    failNext(method, pathPart) {
      faults.push({ method, pathPart, kind: 'fail' })
    },
  }
}

module.exports = { createWx }
