file(REMOVE_RECURSE
  "CMakeFiles/deliberd_http.dir/daemon/http/cache.c.o"
  "CMakeFiles/deliberd_http.dir/daemon/http/cache.c.o.d"
  "CMakeFiles/deliberd_http.dir/daemon/http/route.c.o"
  "CMakeFiles/deliberd_http.dir/daemon/http/route.c.o.d"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes.c.o"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes.c.o.d"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_audit.c.o"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_audit.c.o.d"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_certificates.c.o"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_certificates.c.o.d"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_checks.c.o"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_checks.c.o.d"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_deliberations.c.o"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_deliberations.c.o.d"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_deliveries.c.o"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_deliveries.c.o.d"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_destructions.c.o"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_destructions.c.o.d"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_health.c.o"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_health.c.o.d"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_recipients.c.o"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_recipients.c.o.d"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_ui.c.o"
  "CMakeFiles/deliberd_http.dir/daemon/http/routes_ui.c.o.d"
  "CMakeFiles/deliberd_http.dir/daemon/http/server.c.o"
  "CMakeFiles/deliberd_http.dir/daemon/http/server.c.o.d"
  "CMakeFiles/deliberd_http.dir/ui_assets.c.o"
  "CMakeFiles/deliberd_http.dir/ui_assets.c.o.d"
  "libdeliberd_http.a"
  "libdeliberd_http.pdb"
  "ui_assets.c"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/deliberd_http.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
