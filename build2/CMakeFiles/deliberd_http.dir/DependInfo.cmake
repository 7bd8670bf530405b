
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/wt/hard/daemon/http/cache.c" "CMakeFiles/deliberd_http.dir/daemon/http/cache.c.o" "gcc" "CMakeFiles/deliberd_http.dir/daemon/http/cache.c.o.d"
  "/work/wt/hard/daemon/http/peers.c" "CMakeFiles/deliberd_http.dir/daemon/http/peers.c.o" "gcc" "CMakeFiles/deliberd_http.dir/daemon/http/peers.c.o.d"
  "/work/wt/hard/daemon/http/route.c" "CMakeFiles/deliberd_http.dir/daemon/http/route.c.o" "gcc" "CMakeFiles/deliberd_http.dir/daemon/http/route.c.o.d"
  "/work/wt/hard/daemon/http/routes.c" "CMakeFiles/deliberd_http.dir/daemon/http/routes.c.o" "gcc" "CMakeFiles/deliberd_http.dir/daemon/http/routes.c.o.d"
  "/work/wt/hard/daemon/http/routes_audit.c" "CMakeFiles/deliberd_http.dir/daemon/http/routes_audit.c.o" "gcc" "CMakeFiles/deliberd_http.dir/daemon/http/routes_audit.c.o.d"
  "/work/wt/hard/daemon/http/routes_certificates.c" "CMakeFiles/deliberd_http.dir/daemon/http/routes_certificates.c.o" "gcc" "CMakeFiles/deliberd_http.dir/daemon/http/routes_certificates.c.o.d"
  "/work/wt/hard/daemon/http/routes_checks.c" "CMakeFiles/deliberd_http.dir/daemon/http/routes_checks.c.o" "gcc" "CMakeFiles/deliberd_http.dir/daemon/http/routes_checks.c.o.d"
  "/work/wt/hard/daemon/http/routes_deliberations.c" "CMakeFiles/deliberd_http.dir/daemon/http/routes_deliberations.c.o" "gcc" "CMakeFiles/deliberd_http.dir/daemon/http/routes_deliberations.c.o.d"
  "/work/wt/hard/daemon/http/routes_deliveries.c" "CMakeFiles/deliberd_http.dir/daemon/http/routes_deliveries.c.o" "gcc" "CMakeFiles/deliberd_http.dir/daemon/http/routes_deliveries.c.o.d"
  "/work/wt/hard/daemon/http/routes_destructions.c" "CMakeFiles/deliberd_http.dir/daemon/http/routes_destructions.c.o" "gcc" "CMakeFiles/deliberd_http.dir/daemon/http/routes_destructions.c.o.d"
  "/work/wt/hard/daemon/http/routes_health.c" "CMakeFiles/deliberd_http.dir/daemon/http/routes_health.c.o" "gcc" "CMakeFiles/deliberd_http.dir/daemon/http/routes_health.c.o.d"
  "/work/wt/hard/daemon/http/routes_holds.c" "CMakeFiles/deliberd_http.dir/daemon/http/routes_holds.c.o" "gcc" "CMakeFiles/deliberd_http.dir/daemon/http/routes_holds.c.o.d"
  "/work/wt/hard/daemon/http/routes_recipients.c" "CMakeFiles/deliberd_http.dir/daemon/http/routes_recipients.c.o" "gcc" "CMakeFiles/deliberd_http.dir/daemon/http/routes_recipients.c.o.d"
  "/work/wt/hard/daemon/http/routes_ui.c" "CMakeFiles/deliberd_http.dir/daemon/http/routes_ui.c.o" "gcc" "CMakeFiles/deliberd_http.dir/daemon/http/routes_ui.c.o.d"
  "/work/wt/hard/daemon/http/server.c" "CMakeFiles/deliberd_http.dir/daemon/http/server.c.o" "gcc" "CMakeFiles/deliberd_http.dir/daemon/http/server.c.o.d"
  "/work/wt/hard/build2/ui_assets.c" "CMakeFiles/deliberd_http.dir/ui_assets.c.o" "gcc" "CMakeFiles/deliberd_http.dir/ui_assets.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/wt/hard/build2/CMakeFiles/deliberd_service.dir/DependInfo.cmake"
  "/work/wt/hard/build2/CMakeFiles/deliberd_store.dir/DependInfo.cmake"
  "/work/wt/hard/build2/CMakeFiles/deliberd_core.dir/DependInfo.cmake"
  "/work/wt/hard/build2/CMakeFiles/deliberd_support.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
