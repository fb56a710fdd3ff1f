/**
 * How server values read on screen. Pure functions: no wx. Times come from the server as
 * ISO-8601 with offset and are shown in Asia/Shanghai, whatever the phone's own zone.
 */

const BEIJING_OFFSET_MS = 8 * 3600 * 1000
const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六']

// Badge colours per status; the words always come from the server's status_label.
const STATUS_TONES = {
  received: 'info',
  unassigned: 'info',
  routed: 'progress',
  followed_up: 'progress',
  transferred: 'progress',
  replied: 'success',
  reopened: 'warning',
  closed: 'done',
  rejected: 'danger',
}

const RATINGS = [
  { score: 'satisfied', label: '满意' },
  { score: 'basically_satisfied', label: '基本满意' },
  { score: 'unsatisfied', label: '不满意' },
]

function pad(n) {
  return n < 10 ? '0' + n : String(n)
}

function beijing(iso) {
  const ms = Date.parse(iso)
  if (isNaN(ms)) return null
  return new Date(ms + BEIJING_OFFSET_MS) // read with getUTC*: Beijing wall-clock time
}

/** "2026年11月16日 09:05" (Beijing time); "" for nothing. */
function formatTime(iso) {
  const d = iso ? beijing(iso) : null
  if (!d) return iso || ''
  return (
    d.getUTCFullYear() + '年' + (d.getUTCMonth() + 1) + '月' + d.getUTCDate() + '日 ' +
    pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes())
  )
}

/** "11月16日 周一" from a date "2026-11-16" (a calendar day, no zone involved). */
function formatDay(day) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(day || '')
  if (!match) return day || ''
  const y = +match[1]
  const m = +match[2]
  const dd = +match[3]
  const weekday = new Date(Date.UTC(y, m - 1, dd)).getUTCDay()
  return m + '月' + dd + '日 ' + WEEKDAYS[weekday]
}

function statusTone(status) {
  return STATUS_TONES[status] || 'info'
}

function ratingLabel(score) {
  const found = RATINGS.filter((r) => r.score === score)[0]
  return found ? found.label : ''
}

/** "县级人大代表", "全国人大代表". */
function levelLabel(level) {
  if (!level) return '人大代表'
  return level === '全国' ? '全国人大代表' : level + '级人大代表'
}

/** Characters as the server counts them (Python len: code points, an emoji is one). */
function charCount(text) {
  return Array.from(String(text || '').trim()).length
}

function excerpt(text, max) {
  const chars = Array.from(String(text || '').replace(/\s+/g, ' ').trim())
  const limit = max || 60
  return chars.length > limit ? chars.slice(0, limit).join('') + '…' : chars.join('')
}

function megabytes(bytes) {
  const mb = bytes / (1024 * 1024)
  return (mb >= 10 || Math.round(mb) === mb ? Math.round(mb) : mb.toFixed(1)) + 'MB'
}

/**
 * 三色督办 as a tag: red once the deadline has passed, yellow with at most one working day left
 * (the server decides the colour: it knows the holidays), green otherwise.
 */
function deadlineTag(colour, dueAt) {
  if (!colour) return null
  const due = formatTime(dueAt)
  if (colour === 'red') return { cls: 'danger', text: '已逾期' + (due ? '（应于' + due + '前）' : '') }
  if (colour === 'yellow') return { cls: 'warning', text: '临期：请于' + due + '前办理' }
  return { cls: 'ok', text: '办理期限 ' + due }
}

module.exports = {
  deadlineTag,
  STATUS_TONES,
  RATINGS,
  formatTime,
  formatDay,
  statusTone,
  ratingLabel,
  levelLabel,
  charCount,
  excerpt,
  megabytes,
}
