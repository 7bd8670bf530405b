file(REMOVE_RECURSE
  "CMakeFiles/deliberd_service.dir/daemon/service/audit.c.o"
  "CMakeFiles/deliberd_service.dir/daemon/service/audit.c.o.d"
  "CMakeFiles/deliberd_service.dir/daemon/service/checkpoint.c.o"
  "CMakeFiles/deliberd_service.dir/daemon/service/checkpoint.c.o.d"
  "CMakeFiles/deliberd_service.dir/daemon/service/checkpool.c.o"
  "CMakeFiles/deliberd_service.dir/daemon/service/checkpool.c.o.d"
  "CMakeFiles/deliberd_service.dir/daemon/service/checks.c.o"
  "CMakeFiles/deliberd_service.dir/daemon/service/checks.c.o.d"
  "CMakeFiles/deliberd_service.dir/daemon/service/credential.c.o"
  "CMakeFiles/deliberd_service.dir/daemon/service/credential.c.o.d"
  "CMakeFiles/deliberd_service.dir/daemon/service/destruction.c.o"
  "CMakeFiles/deliberd_service.dir/daemon/service/destruction.c.o.d"
  "CMakeFiles/deliberd_service.dir/daemon/service/holds.c.o"
  "CMakeFiles/deliberd_service.dir/daemon/service/holds.c.o.d"
  "CMakeFiles/deliberd_service.dir/daemon/service/outbox.c.o"
  "CMakeFiles/deliberd_service.dir/daemon/service/outbox.c.o.d"
  "CMakeFiles/deliberd_service.dir/daemon/service/registry.c.o"
  "CMakeFiles/deliberd_service.dir/daemon/service/registry.c.o.d"
  "CMakeFiles/deliberd_service.dir/daemon/service/retention.c.o"
  "CMakeFiles/deliberd_service.dir/daemon/service/retention.c.o.d"
  "CMakeFiles/deliberd_service.dir/daemon/service/session.c.o"
  "CMakeFiles/deliberd_service.dir/daemon/service/session.c.o.d"
  "CMakeFiles/deliberd_service.dir/daemon/service/staged.c.o"
  "CMakeFiles/deliberd_service.dir/daemon/service/staged.c.o.d"
  "libdeliberd_service.a"
  "libdeliberd_service.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/deliberd_service.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
