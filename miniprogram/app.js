const api = require('./utils/api')

App({
  onLaunch() {
    // Sign in early so the first tap that needs it does not wait; a failure here is fine,
    // every call that needs a token signs in again on its own.
    if (!api.session().token) api.login().catch(() => {})
  },
})
