const api = require('./utils/api')
const privacy = require('./utils/privacy')

App({
  onLaunch() {
    // Our own privacy prompt (components/privacy-popup) instead of WeChat's, from the start.
    privacy.start()
    // Sign in early so the first tap that needs it does not wait; a failure here is fine,
    // every call that needs a token signs in again on its own.
    if (!api.session().token) api.login().catch(() => {})
  },
})
