file(REMOVE_RECURSE
  "libdeliberd_cli.a"
)
