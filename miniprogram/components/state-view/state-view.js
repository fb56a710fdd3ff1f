const elder = require('../../utils/elder')

/**
 * Loading, empty and error states, one look on every page. `retry` is fired by the button;
 * `action` by the optional second button (e.g. "去扫码").
 */
Component({
  behaviors: [elder.behavior()],
  properties: {
    state: { type: String, value: '' }, // loading | empty | error
    message: { type: String, value: '' },
    retryText: { type: String, value: '重试' },
    actionText: { type: String, value: '' },
  },
  methods: {
    onRetry() {
      this.triggerEvent('retry')
    },
    onAction() {
      this.triggerEvent('action')
    },
  },
})
