"""serve: the web dashboard (`salesglass serve`) and its logins (`salesglass users`)."""
