const { formatTime } = require('../../utils/format')
const elder = require('../../utils/elder')

const KIND_LABELS = { reply: '答复', followup: '追问', event: '进度' }

/** The conversation of one message: replies, follow-ups and status changes, oldest first. */
Component({
  behaviors: [elder.behavior()],
  properties: {
    items: { type: Array, value: [] },
  },
  data: { rows: [] },
  observers: {
    items(items) {
      const rows = (items || []).map((item, index) => ({
        key: index,
        kind: item.kind,
        kindLabel: KIND_LABELS[item.kind] || '',
        author: item.author,
        content: item.content,
        time: formatTime(item.created_at),
      }))
      this.setData({ rows })
    },
  },
})
