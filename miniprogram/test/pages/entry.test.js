const { render, mod, server, settle, text, allText, tap, scanAnswer, error } = require('../helpers')

function open(options) {
  const page = render('pages/entry/entry')
  page.instance.onLoad(options)
  return page
}

beforeEach(() => {
  mod('utils/api').configure({ baseUrl: 'https://lz.example.cn', retryDelays: [1, 1], sandbox: null })
})

test('a station code shows the station, who is on duty today and the next reception days', async () => {
  server.on('GET', '/scan/s.abcd1234', () => ({ statusCode: 200, data: scanAnswer() }))
  const page = open({ scene: 's.abcd1234' })
  expect(allText(page)).toContain('正在加载')
  await settle()
  expect(text(page, '#station-name')).toBe('金竹社区人大代表联络站')
  expect(text(page, '#station-address')).toContain('金竹西路 18 号')
  expect(allText(page)).toContain('王建国')
  expect(allText(page)).toContain('县级人大代表')
  expect(allText(page)).toContain('11月16日 周一')
  expect(allText(page)).toContain('11月26日 周四')
  expect(wx.setNavigationBarTitle).toHaveBeenCalledWith({ title: '金竹社区人大代表联络站' })
})

test('a plain QR link (options.q) opens the same station', async () => {
  server.on('GET', '/scan/s.abcd1234', () => ({ statusCode: 200, data: scanAnswer() }))
  const page = open({ q: encodeURIComponent('https://lz.example.cn/q/s.abcd1234') })
  await settle()
  expect(text(page, '#station-name')).toBe('金竹社区人大代表联络站')
  expect(server.callsTo('GET', '/scan/s.abcd1234')).toHaveLength(1)
})

test("a deputy's code shows the deputy first", async () => {
  const answer = scanAnswer({ kind: 'deputy', scene: 'd.k3m9x2pq', deputy: { id: 7, name: '李秀兰', level: '市', title: '市人大代表' } })
  server.on('GET', '/scan/d.k3m9x2pq', () => ({ statusCode: 200, data: answer }))
  const page = open({ scene: encodeURIComponent('d.k3m9x2pq') })
  await settle()
  expect(text(page, '#deputy-name')).toBe('李秀兰')
  expect(allText(page)).toContain('市级人大代表')
  expect(wx.setNavigationBarTitle).toHaveBeenCalledWith({ title: '李秀兰代表' })
})

test('nobody on duty today says so', async () => {
  server.on('GET', '/scan/s.abcd1234', () => ({ statusCode: 200, data: scanAnswer({ on_duty: [] }) }))
  const page = open({ scene: 's.abcd1234' })
  await settle()
  expect(text(page, '#no-duty')).toContain('今天没有代表值班')
})

test("an unknown code shows the server's message, with retry", async () => {
  server.on('GET', '/scan/s.zzzz9999', () => error(404, 'not_found', '二维码无效或已停用，请联系联络站工作人员'))
  const page = open({ scene: 's.zzzz9999' })
  await settle()
  expect(allText(page)).toContain('二维码无效或已停用，请联系联络站工作人员')
  server.on('GET', '/scan/s.zzzz9999', () => ({ statusCode: 200, data: scanAnswer() }))
  await tap(page, '#state >>> .state-button')
  expect(text(page, '#station-name')).toBe('金竹社区人大代表联络站')
})

test('a network failure shows the network message', async () => {
  server.on('GET', '/scan/s.abcd1234', () => {
    throw 'offline'
  })
  const page = open({ scene: 's.abcd1234' })
  await settle()
  expect(allText(page)).toContain('网络连接失败，请检查网络后重试')
})

test('a code that is not ours is refused without asking the server', async () => {
  const page = open({ q: encodeURIComponent('https://example.com/hello') })
  await settle()
  expect(allText(page)).toContain('无法识别这个二维码')
  expect(server.calls).toHaveLength(0)
})

test('opened without a code it offers to scan one', async () => {
  server.on('GET', '/scan/s.abcd1234', () => ({ statusCode: 200, data: scanAnswer() }))
  wx.scanCode.mockImplementation((opts) => opts.success({ result: 'https://lz.example.cn/q/s.abcd1234', path: '' }))
  const page = open({})
  expect(allText(page)).toContain('扫一扫')
  await tap(page, '.welcome .primary')
  expect(text(page, '#station-name')).toBe('金竹社区人大代表联络站')
})

test('我要反映 opens the form for this code', async () => {
  server.on('GET', '/scan/s.abcd1234', () => ({ statusCode: 200, data: scanAnswer() }))
  const page = open({ scene: 's.abcd1234' })
  await settle()
  await tap(page, '#write')
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/submit/submit?scene=s.abcd1234' })
})
