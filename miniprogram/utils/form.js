/**
 * The submit form's rules, as pure functions, so the page and the tests agree with the server
 * (server/intake/submission.py _validate and server/api/citizen_schemas.py MessageIn).
 */
const { charCount } = require('./format')

// server/api/citizen_schemas.py PHONE: a mobile number or a landline with area code.
const PHONE = /^(1\d{10}|0\d{2,3}-?\d{7,8})$/

const DEFAULT_LIMITS = { content_max_chars: 2000, max_photos: 9, max_upload_bytes: 10 * 1024 * 1024 }

/** Server limits from /scan, with safe defaults when an older server sends none. */
function limitsFrom(scanInfo) {
  return Object.assign({}, DEFAULT_LIMITS, (scanInfo && scanInfo.limits) || {})
}

/**
 * form: { category (object|null), content, photos: [{status, uploadId}], phone, ... }
 * Returns { field: '中文说明' }; empty when the form may be sent.
 */
function validate(form, limits) {
  const errors = {}
  const max = limits.content_max_chars
  if (!form.category) errors.category = '请选择反映类别'
  const count = charCount(form.content)
  if (count === 0) errors.content = '请填写反映内容'
  else if (count > max) errors.content = '内容不能超过' + max + '字（现在' + count + '字）'
  const photos = form.photos || []
  if (photos.length > limits.max_photos) {
    errors.photos = '最多上传' + limits.max_photos + '张照片'
  } else if (photos.some((p) => p.status === 'uploading' || p.status === 'waiting')) {
    errors.photos = '照片还在上传，请稍等'
  } else if (photos.some((p) => p.status !== 'done')) {
    errors.photos = '有照片没有上传成功，请点“重试”或删除'
  }
  const phone = String(form.phone || '').trim()
  if (phone && !PHONE.test(phone)) errors.contact_phone = '请填写正确的手机号或座机号'
  return errors
}

/** The POST /api/v1/messages body. */
function buildBody(form, scene, subscribed) {
  const body = {
    scene,
    category: form.category.id,
    content: String(form.content).trim(),
    photos: (form.photos || []).map((p) => p.uploadId),
    anonymous: !!form.anonymous,
    no_publish: !!form.noPublish,
    subscribed: subscribed || [],
  }
  if (form.location) {
    body.location = {
      lat: form.location.lat,
      lng: form.location.lng,
      address: form.location.address || '',
    }
  }
  const phone = String(form.phone || '').trim()
  if (phone) body.contact_phone = phone
  return body
}

/** Server field names -> the form's error slots (unknown ones go to the top of the form). */
function fieldErrors(fields) {
  const out = {}
  Object.keys(fields || {}).forEach((key) => {
    const slot = key.split('.')[0]
    const known = ['category', 'content', 'photos', 'contact_phone', 'location', 'scene']
    out[known.indexOf(slot) >= 0 ? slot : 'form'] = fields[key]
  })
  return out
}

module.exports = { PHONE, DEFAULT_LIMITS, limitsFrom, validate, buildBody, fieldErrors }
