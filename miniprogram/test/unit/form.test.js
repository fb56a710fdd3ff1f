const { mod } = require('../helpers')

let form
const limits = { content_max_chars: 10, max_photos: 2, max_upload_bytes: 1000 }
const category = { id: 3, name: '教育' }
beforeEach(() => {
  form = mod('utils/form')
})

test('category and content are required', () => {
  expect(form.validate({ category: null, content: '  ', photos: [] }, limits)).toEqual({
    category: '请选择反映类别',
    content: '请填写反映内容',
  })
})

test('content over the server limit says by how much', () => {
  const errors = form.validate({ category, content: '一二三四五六七八九十壹', photos: [] }, limits)
  expect(errors).toEqual({ content: '内容不能超过10字（现在11字）' })
  expect(form.validate({ category, content: '一二三四五六七八九十', photos: [] }, limits)).toEqual({})
})

test('photos: the limit, still uploading, failed', () => {
  const done = { status: 'done', uploadId: 'a' }
  expect(form.validate({ category, content: 'x', photos: [done, done, done] }, limits).photos).toBe('最多上传2张照片')
  expect(form.validate({ category, content: 'x', photos: [{ status: 'uploading' }] }, limits).photos).toBe('照片还在上传，请稍等')
  expect(form.validate({ category, content: 'x', photos: [{ status: 'failed' }] }, limits).photos).toMatch('重试')
  expect(form.validate({ category, content: 'x', photos: [{ status: 'too_large' }] }, limits).photos).toMatch('删除')
})

test('phone is optional but must look like one', () => {
  expect(form.validate({ category, content: 'x', phone: '12345' }, limits).contact_phone).toBe('请填写正确的手机号或座机号')
  expect(form.validate({ category, content: 'x', phone: '13800001234' }, limits)).toEqual({})
  expect(form.validate({ category, content: 'x', phone: '085112345678' }, limits)).toEqual({})
})

test('the body the server expects', () => {
  const body = form.buildBody(
    {
      category,
      content: '  路灯坏了  ',
      photos: [{ status: 'done', uploadId: 'u1' }],
      location: { lat: 1.5, lng: 2.5, address: '金竹西路' },
      phone: ' 13800001234 ',
      anonymous: true,
      noPublish: true,
    },
    's.abcd1234',
    ['tmpl']
  )
  expect(body).toEqual({
    scene: 's.abcd1234',
    category: 3,
    content: '路灯坏了',
    photos: ['u1'],
    location: { lat: 1.5, lng: 2.5, address: '金竹西路' },
    contact_phone: '13800001234',
    anonymous: true,
    no_publish: true,
    subscribed: ['tmpl'],
  })
  const bare = form.buildBody({ category, content: 'x', photos: [] }, 's.abcd1234', [])
  expect(bare).not.toHaveProperty('location')
  expect(bare).not.toHaveProperty('contact_phone')
})

test('server field errors land in the form slots', () => {
  expect(form.fieldErrors({ content: 'a', 'location.lat': 'b', whatever: 'c' })).toEqual({
    content: 'a',
    location: 'b',
    form: 'c',
  })
  expect(form.limitsFrom({}).max_photos).toBe(9)
  expect(form.limitsFrom({ limits: { max_photos: 3 } }).max_photos).toBe(3)
})
