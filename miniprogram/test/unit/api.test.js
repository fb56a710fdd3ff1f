/**
 * utils/api.js with a fake server behind wx.request: sign-in, token storage and renewal,
 * retries, error messages.
 */
const { mod, server, acceptLogin, error, settle } = require('../helpers')

let api
beforeEach(() => {
  api = mod('utils/api')
  api.configure({ baseUrl: 'https://lz.example.cn', retryDelays: [1, 1], sandbox: null })
})

function ok(data) {
  return () => ({ statusCode: 200, data })
}

test('signs in with wx.login on first need and stores the token', async () => {
  acceptLogin()
  server.on('GET', '/messages', ok({ items: [], total: 0 }))
  await api.listMessages()
  expect(wx.login).toHaveBeenCalledTimes(1)
  const signIn = server.callsTo('POST', '/auth/wechat')[0]
  expect(signIn.data).toEqual({ code: 'code-1' })
  expect(wx.setStorageSync).toHaveBeenCalledWith('lz.token', 'token-1')
  expect(server.callsTo('GET', '/messages')[0].header.Authorization).toBe('Bearer token-1')
  expect(server.callsTo('GET', '/messages')[0].url).toBe('https://lz.example.cn/api/v1/messages')
})

test('a stored token is used without signing in', async () => {
  wx.setStorageSync('lz.token', 'kept')
  server.on('GET', '/messages', ok({ items: [], total: 0 }))
  await api.listMessages()
  expect(wx.login).not.toHaveBeenCalled()
  expect(server.calls[0].header.Authorization).toBe('Bearer kept')
})

test.each(['token_expired', 'invalid_token'])('401 %s: sign in again once and repeat', async (code) => {
  wx.setStorageSync('lz.token', 'old')
  acceptLogin()
  server.on('GET', '/messages/5', (req) =>
    req.header.Authorization === 'Bearer old'
      ? error(401, code, '登录已过期，请重新进入小程序')
      : { statusCode: 200, data: { id: 5 } }
  )
  await expect(api.getMessage(5)).resolves.toEqual({ id: 5 })
  expect(wx.login).toHaveBeenCalledTimes(1)
  expect(server.callsTo('GET', '/messages/5').map((c) => c.header.Authorization)).toEqual(['Bearer old', 'Bearer token-1'])
})

test('a second 401 after renewing is an error, not a loop', async () => {
  wx.setStorageSync('lz.token', 'old')
  acceptLogin()
  server.on('GET', '/messages/5', () => error(401, 'invalid_token', '登录信息无效，请重新进入小程序'))
  await expect(api.getMessage(5)).rejects.toMatchObject({ status: 401, message: '登录信息无效，请重新进入小程序' })
  expect(wx.login).toHaveBeenCalledTimes(1)
  expect(server.callsTo('GET', '/messages/5')).toHaveLength(2)
})

test('concurrent 401s share one sign-in', async () => {
  wx.setStorageSync('lz.token', 'old')
  acceptLogin()
  server.on('GET', /^\/messages\/\d+$/, (req) =>
    req.header.Authorization === 'Bearer old' ? error(401, 'token_expired', '过期') : { statusCode: 200, data: {} }
  )
  await Promise.all([api.getMessage(1), api.getMessage(2), api.getMessage(3)])
  expect(wx.login).toHaveBeenCalledTimes(1)
})

test('a network failure on a read is retried', async () => {
  wx.setStorageSync('lz.token', 't')
  let n = 0
  server.on('GET', '/messages', () => {
    n += 1
    if (n < 3) throw 'timeout'
    return { statusCode: 200, data: { items: [], total: 0 } }
  })
  await expect(api.listMessages()).resolves.toEqual({ items: [], total: 0 })
  expect(n).toBe(3)
})

test('when retries run out the error is a network error in Chinese', async () => {
  wx.setStorageSync('lz.token', 't')
  server.on('GET', '/messages', () => {
    throw 'timeout'
  })
  const err = await api.listMessages().catch((e) => e)
  expect(err).toBeInstanceOf(api.ApiError)
  expect(err.isNetwork).toBe(true)
  expect(err.message).toBe('网络连接失败，请检查网络后重试')
  expect(server.callsTo('GET', '/messages')).toHaveLength(3)
})

test('a 4xx is never retried and its message is kept as is', async () => {
  wx.setStorageSync('lz.token', 't')
  server.on('POST', '/messages', () =>
    error(422, 'validation_error', '提交的内容有误，请检查后重试', { content: '请填写反映内容' })
  )
  const err = await api.submitMessage({ content: '' }, 'key-12345678').catch((e) => e)
  expect(err).toMatchObject({ status: 422, code: 'validation_error', message: '提交的内容有误，请检查后重试' })
  expect(err.fields).toEqual({ content: '请填写反映内容' })
  expect(server.callsTo('POST', '/messages')).toHaveLength(1)
})

test('a submission is retried after a network failure with the same Idempotency-Key', async () => {
  wx.setStorageSync('lz.token', 't')
  let n = 0
  server.on('POST', '/messages', () => {
    n += 1
    if (n === 1) throw 'connection reset'
    return { statusCode: 201, data: { id: 1, tracking_no: '26111600000001', status: 'received' } }
  })
  await api.submitMessage({ content: 'x' }, 'form-key-123')
  const keys = server.callsTo('POST', '/messages').map((c) => c.header['Idempotency-Key'])
  expect(keys).toEqual(['form-key-123', 'form-key-123'])
})

test('writes without an idempotency key are not retried on a network failure', async () => {
  wx.setStorageSync('lz.token', 't')
  server.on('POST', '/messages/1/followups', () => {
    throw 'timeout'
  })
  await expect(api.followUp(1, '还是黑的')).rejects.toMatchObject({ status: 0 })
  expect(server.callsTo('POST', '/messages/1/followups')).toHaveLength(1)
})

test('503 on a read is retried; a page that is not our JSON reads as Chinese', async () => {
  wx.setStorageSync('lz.token', 't')
  server.on('GET', '/messages', () => ({ statusCode: 502, data: '<html>Bad Gateway</html>' }))
  const err = await api.listMessages().catch((e) => e)
  expect(err.message).toBe('服务暂时不可用，请稍后再试')
  expect(server.callsTo('GET', '/messages')).toHaveLength(3)
})

test('a spent login code makes wx.login fetch a fresh one', async () => {
  let n = 0
  server.on('POST', '/auth/wechat', () => {
    n += 1
    return n === 1
      ? error(400, 'invalid_code', '登录凭证无效或已使用，请重新进入小程序')
      : { statusCode: 200, data: { token: 'fresh', role: 'citizen', deputy: null } }
  })
  await api.login()
  expect(server.callsTo('POST', '/auth/wechat').map((c) => c.data.code)).toEqual(['code-1', 'code-2'])
  expect(api.session().token).toBe('fresh')
})

test('scan needs no sign-in and encodes the scene', async () => {
  server.on('GET', '/scan/s.abcd1234', ok({ kind: 'station' }))
  await api.scan('s.abcd1234')
  expect(wx.login).not.toHaveBeenCalled()
  expect(server.calls[0].header.Authorization).toBeUndefined()
})

test('binding stores the deputy role', async () => {
  wx.setStorageSync('lz.token', 't')
  server.on('POST', '/deputy/bind', ok({ token: 't2', role: 'deputy', deputy: { id: 1, name: '王建国', level: '县' } }))
  await api.bindDeputy('ABCD2345')
  expect(server.calls[0].data).toEqual({ invite_code: 'ABCD2345' })
  expect(api.session()).toMatchObject({ isDeputy: true, token: 't2', deputy: { name: '王建国' } })
})

test('uploads: multipart field "file", progress, the JSON string parsed', async () => {
  wx.setStorageSync('lz.token', 't')
  server.on('POST', '/uploads', () => ({ statusCode: 201, data: JSON.stringify({ upload_id: 'u1' }) }))
  const progress = []
  const answer = await api.upload('wxfile://tmp/1.jpg', { onProgress: (p) => progress.push(p) })
  expect(answer).toEqual({ upload_id: 'u1' })
  expect(progress).toEqual([50, 100])
  const call = wx.uploadFile.mock.calls[0][0]
  expect(call.name).toBe('file')
  expect(call.url).toBe('https://lz.example.cn/api/v1/uploads')
  expect(call.header.Authorization).toBe('Bearer t')
})

test('an upload refused by the server shows its message', async () => {
  wx.setStorageSync('lz.token', 't')
  server.on('POST', '/uploads', () => error(415, 'unsupported_image', '只支持 JPG、PNG、WebP 格式的图片'))
  await expect(api.upload('wxfile://tmp/1.gif')).rejects.toMatchObject({ message: '只支持 JPG、PNG、WebP 格式的图片' })
  expect(wx.uploadFile).toHaveBeenCalledTimes(1)
})

test('photo URLs from the server are made absolute; idempotency keys fit the server', async () => {
  expect(api.absoluteUrl('/api/v1/uploads/abc?sig=1')).toBe('https://lz.example.cn/api/v1/uploads/abc?sig=1')
  expect(api.absoluteUrl('https://cdn.example.cn/x.jpg')).toBe('https://cdn.example.cn/x.jpg')
  const a = api.newIdempotencyKey()
  expect(a).toMatch(/^[A-Za-z0-9_-]{8,64}$/)
  expect(api.newIdempotencyKey()).not.toBe(a)
  await settle(1)
})

test('the base URL follows the WeChat environment', () => {
  jest.resetModules()
  wx.getAccountInfoSync = jest.fn(() => ({ miniProgram: { envVersion: 'release' } }))
  const config = mod('config')
  expect(config.env).toBe('release')
  expect(config.baseUrl).toMatch(/^https:\/\//)
  jest.resetModules()
  wx.getAccountInfoSync = jest.fn(() => {
    throw new Error('not supported')
  })
  expect(mod('config').env).toBe('develop')
})

describe('develop against the WeChat sandbox (config.js develop.sandbox)', () => {
  beforeEach(() => {
    api.configure({ sandbox: { url: 'http://127.0.0.1:8001' } })
  })

  function sandboxRoutes() {
    const calls = []
    const original = wx.request
    wx.request = jest.fn((opts) => {
      if (opts.url.indexOf('http://127.0.0.1:8001/sandbox/') !== 0) return original(opts)
      const route = opts.url.split('/sandbox/')[1]
      calls.push({ route, data: opts.data })
      const answers = { users: { openid: 'o-dev' }, login_code: { code: 'sbx-code' }, consent: { credits: 1 } }
      setTimeout(() => opts.success({ statusCode: 200, data: answers[route] }), 0)
    })
    return calls
  }

  test('sign-in asks the sandbox for a code instead of wx.login, with one remembered user', async () => {
    const calls = sandboxRoutes()
    acceptLogin()
    await api.login()
    expect(wx.login).not.toHaveBeenCalled()
    expect(server.callsTo('POST', '/auth/wechat')[0].data).toEqual({ code: 'sbx-code' })
    api.clearToken()
    await api.login()
    expect(calls.map((c) => c.route)).toEqual(['users', 'login_code', 'login_code'])
    expect(wx.getStorageSync('lz.sandbox.openid')).toBe('o-dev')
  })

  test('accepted templates are mirrored to the sandbox', async () => {
    const calls = sandboxRoutes()
    const { requestSubscribe } = mod('utils/subscribe')
    const accepted = await requestSubscribe(['t1', 't2'])
    expect(accepted).toEqual(['t1', 't2'])
    expect(calls.filter((c) => c.route === 'consent').map((c) => c.data)).toEqual([
      { openid: 'o-dev', template_id: 't1', decision: 'accept' },
      { openid: 'o-dev', template_id: 't2', decision: 'accept' },
    ])
  })

  test('without a sandbox nothing is mirrored', async () => {
    api.configure({ sandbox: null })
    const { requestSubscribe } = mod('utils/subscribe')
    await requestSubscribe(['t1'])
    expect(wx.request).not.toHaveBeenCalled()
  })
})

test('a 401 arriving after another call already renewed does not sign in again', async () => {
  wx.setStorageSync('lz.token', 'old')
  acceptLogin()
  server.on('GET', '/messages/1', (req) =>
    req.header.Authorization === 'Bearer old' ? error(401, 'token_expired', '过期') : { statusCode: 200, data: { id: 1 } }
  )
  // /messages/2 was sent with the old token too, but its 401 arrives only after the renewal.
  let release
  const renewed = new Promise((resolve) => (release = resolve))
  server.on('GET', '/messages/2', (req) =>
    req.header.Authorization === 'Bearer old'
      ? renewed.then(() => error(401, 'token_expired', '过期'))
      : { statusCode: 200, data: { id: 2 } }
  )
  const slow = api.getMessage(2)
  await api.getMessage(1)
  expect(api.session().token).toBe('token-1')
  release()
  await expect(slow).resolves.toEqual({ id: 2 })
  expect(wx.login).toHaveBeenCalledTimes(1)
  expect(server.callsTo('GET', '/messages/2').map((c) => c.header.Authorization)).toEqual(['Bearer old', 'Bearer token-1'])
})
