
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt/hard/daemon/service/audit.c" "CMakeFiles/deliberd_service.dir/daemon/service/audit.c.o" "gcc" "CMakeFiles/deliberd_service.dir/daemon/service/audit.c.o.d"
  "/work/wt/hard/daemon/service/checkpoint.c" "CMakeFiles/deliberd_service.dir/daemon/service/checkpoint.c.o" "gcc" "CMakeFiles/deliberd_service.dir/daemon/service/checkpoint.c.o.d"
  "/work/wt/hard/daemon/service/checkpool.c" "CMakeFiles/deliberd_service.dir/daemon/service/checkpool.c.o" "gcc" "CMakeFiles/deliberd_service.dir/daemon/service/checkpool.c.o.d"
  "/work/wt/hard/daemon/service/checks.c" "CMakeFiles/deliberd_service.dir/daemon/service/checks.c.o" "gcc" "CMakeFiles/deliberd_service.dir/daemon/service/checks.c.o.d"
  "/work/wt/hard/daemon/service/credential.c" "CMakeFiles/deliberd_service.dir/daemon/service/credential.c.o" "gcc" "CMakeFiles/deliberd_service.dir/daemon/service/credential.c.o.d"
  "/work/wt/hard/daemon/service/destruction.c" "CMakeFiles/deliberd_service.dir/daemon/service/destruction.c.o" "gcc" "CMakeFiles/deliberd_service.dir/daemon/service/destruction.c.o.d"
  "/work/wt/hard/daemon/service/holds.c" "CMakeFiles/deliberd_service.dir/daemon/service/holds.c.o" "gcc" "CMakeFiles/deliberd_service.dir/daemon/service/holds.c.o.d"
  "/work/wt/hard/daemon/service/outbox.c" "CMakeFiles/deliberd_service.dir/daemon/service/outbox.c.o" "gcc" "CMakeFiles/deliberd_service.dir/daemon/service/outbox.c.o.d"
  "/work/wt/hard/daemon/service/registry.c" "CMakeFiles/deliberd_service.dir/daemon/service/registry.c.o" "gcc" "CMakeFiles/deliberd_service.dir/daemon/service/registry.c.o.d"
  "/work/wt/hard/daemon/service/retention.c" "CMakeFiles/deliberd_service.dir/daemon/service/retention.c.o" "gcc" "CMakeFiles/deliberd_service.dir/daemon/service/retention.c.o.d"
  "/work/wt/hard/daemon/service/session.c" "CMakeFiles/deliberd_service.dir/daemon/service/session.c.o" "gcc" "CMakeFiles/deliberd_service.dir/daemon/service/session.c.o.d"
  "/work/wt/hard/daemon/service/staged.c" "CMakeFiles/deliberd_service.dir/daemon/service/staged.c.o" "gcc" "CMakeFiles/deliberd_service.dir/daemon/service/staged.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/wt/hard/build2/CMakeFiles/deliberd_store.dir/DependInfo.cmake"
  "/work/wt/hard/build2/CMakeFiles/deliberd_core.dir/DependInfo.cmake"
  "/work/wt/hard/build2/CMakeFiles/deliberd_support.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
