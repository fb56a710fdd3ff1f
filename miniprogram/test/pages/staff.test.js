/**
 * Staff bind their WeChat with the dashboard's 「绑定微信」 code (typed, or its lzstaff: QR
 * scanned), then allow the overdue reminder at a tap.
 */
const { render, mod, server, order, text, tap, type, find, error, TEMPLATES } = require('../helpers')

beforeEach(() => {
  mod('utils/api').configure({ baseUrl: 'https://lz.example.cn', retryDelays: [1, 1], sandbox: null })
  wx.setStorageSync('lz.token', 't')
  server.on('POST', '/staff/bind', (req) =>
    req.data.code === 'SABCD2345'
      ? {
          statusCode: 200,
          data: {
            staff: { name: '金竹站工作人员', role: 'station_staff', role_label: '联络站工作人员' },
            subscribe_templates: { reminder: TEMPLATES.reminder },
          },
        }
      : error(404, 'staff_code_not_found', '绑定码不对或已用过，请在管理后台重新取得')
  )
  server.on('POST', '/subscriptions', () => ({ statusCode: 200, data: { credits: {} } }))
})

function bindPage(options) {
  const page = render('pages/staff/bind/bind')
  page.instance.onLoad(options || {})
  return page
}

test('a typed code (lower case, with a dash) binds and names the account', async () => {
  const page = bindPage()
  await type(page, '#code', 'sabcd-2345')
  await tap(page, '#bind', 30)
  expect(server.callsTo('POST', '/staff/bind')[0].data).toEqual({ code: 'SABCD2345' })
  expect(text(page, '#bound-name')).toBe('金竹站工作人员')
  expect(text(page, '#bound-role')).toBe('联络站工作人员')
})

test("the dashboard's QR (lzstaff:<code>) binds at once", async () => {
  wx.scanCode.mockImplementation((opts) => opts.success({ result: 'lzstaff:SABCD2345', scanType: 'QR_CODE' }))
  const page = bindPage()
  await tap(page, '#scan', 30)
  expect(server.callsTo('POST', '/staff/bind')[0].data).toEqual({ code: 'SABCD2345' })
  expect(find(page, '#bound')).toBeTruthy()
})

test("a deputy's invite QR or any other code is refused here, before the server", async () => {
  wx.scanCode.mockImplementation((opts) => opts.success({ result: 'ABCD2345' }))
  const page = bindPage()
  await tap(page, '#scan')
  expect(text(page, '#error')).toContain('不是管理后台「绑定微信」的二维码')
  await tap(page, '#bind')
  expect(text(page, '#error')).toContain('请输入管理后台「绑定微信」页面上的绑定码')
  expect(server.callsTo('POST', '/staff/bind')).toHaveLength(0)
})

test("a used or wrong code: the server's words are shown", async () => {
  const page = bindPage()
  await type(page, '#code', 'SWRONG234')
  await tap(page, '#bind', 30)
  expect(text(page, '#error')).toBe('绑定码不对或已用过，请在管理后台重新取得')
  expect(find(page, '#bound')).toBeFalsy()
})

test('the reminder is asked for at the tap, with the template the server named', async () => {
  const page = bindPage()
  await type(page, '#code', 'SABCD2345')
  await tap(page, '#bind', 30)
  await tap(page, '#enable-notices', 30)
  expect(order).toContain('requestSubscribeMessage ' + TEMPLATES.reminder)
  expect(server.callsTo('POST', '/subscriptions')[0].data).toEqual({ accepted: [TEMPLATES.reminder] })
  expect(find(page, '#consent-on')).toBeTruthy()
})
