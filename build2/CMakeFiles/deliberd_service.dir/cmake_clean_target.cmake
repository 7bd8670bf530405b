file(REMOVE_RECURSE
  "libdeliberd_service.a"
)
