const { render, mod, server, settle, text, allText, tap, summary, error } = require('../helpers')

function open() {
  const page = render('pages/mine/mine')
  page.instance.onLoad({})
  page.instance.onShow()
  return page
}

beforeEach(() => {
  mod('utils/api').configure({ baseUrl: 'https://lz.example.cn', retryDelays: [1, 1], sandbox: null })
  wx.setStorageSync('lz.token', 't')
})

test('each message shows its status badge with the server label', async () => {
  server.on('GET', '/messages', () => ({
    statusCode: 200,
    data: {
      items: [
        summary({ id: 3, status: 'replied', status_label: '已答复', content: '斑马线看不清了' }),
        summary({ id: 2, status: 'routed', status_label: '办理中' }),
        summary({ id: 1, status: 'closed', status_label: '已办结', rating: 'satisfied' }),
      ],
      page: 1,
      per_page: 20,
      total: 3,
    },
  }))
  const page = open()
  await settle()
  const badges = page.querySelectorAll('.status').map((s) => s.querySelector('.badge'))
  expect(badges.map((b) => b.dom.textContent)).toEqual(['已答复', '办理中', '已办结'])
  expect(badges[0].dom.className).toContain('badge-success')
  // A fresh answer waiting for a rating is pointed out.
  expect(page.querySelectorAll('.tag')).toHaveLength(1)
  expect(allText(page)).toContain('有新答复，请评价')
  expect(allText(page)).toContain('2026年11月16日 09:05')
  await tap(page, '.list-item')
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/detail/detail?id=3' })
})

test('nothing yet: an empty state that leads to scanning', async () => {
  server.on('GET', '/messages', () => ({ statusCode: 200, data: { items: [], page: 1, per_page: 20, total: 0 } }))
  const page = open()
  await settle()
  expect(allText(page)).toContain('您还没有反映过问题')
  await tap(page, '#state >>> .state-button')
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/entry/entry' })
})

test('an error shows the server message and retries', async () => {
  server.on('GET', '/messages', () => error(500, 'internal_error', '服务器开小差了，请稍后再试'))
  const page = open()
  await settle()
  expect(allText(page)).toContain('服务器开小差了，请稍后再试')
  server.on('GET', '/messages', () => ({ statusCode: 200, data: { items: [summary()], page: 1, per_page: 20, total: 1 } }))
  await tap(page, '#state >>> .state-button')
  expect(page.querySelectorAll('.list-item')).toHaveLength(1)
})

test('more pages load at the bottom, without duplicates', async () => {
  server.on('GET', '/messages', (req) => ({
    statusCode: 200,
    data:
      req.data.page === 1
        ? { items: [summary({ id: 3 }), summary({ id: 2 })], page: 1, per_page: 2, total: 3 }
        : { items: [summary({ id: 2 }), summary({ id: 1 })], page: 2, per_page: 2, total: 3 },
  }))
  const page = open()
  await settle()
  await page.instance.onReachBottom()
  await settle()
  expect(page.instance.data.items.map((i) => i.id)).toEqual([3, 2, 1])
  expect(text(page, '.footer-note')).toBe('共 3 条')
})
