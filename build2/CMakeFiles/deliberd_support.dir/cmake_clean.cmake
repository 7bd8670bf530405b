file(REMOVE_RECURSE
  "CMakeFiles/deliberd_support.dir/daemon/support/cfgnum.c.o"
  "CMakeFiles/deliberd_support.dir/daemon/support/cfgnum.c.o.d"
  "CMakeFiles/deliberd_support.dir/daemon/support/clock.c.o"
  "CMakeFiles/deliberd_support.dir/daemon/support/clock.c.o.d"
  "CMakeFiles/deliberd_support.dir/daemon/support/config.c.o"
  "CMakeFiles/deliberd_support.dir/daemon/support/config.c.o.d"
  "CMakeFiles/deliberd_support.dir/daemon/support/csv.c.o"
  "CMakeFiles/deliberd_support.dir/daemon/support/csv.c.o.d"
  "CMakeFiles/deliberd_support.dir/daemon/support/err.c.o"
  "CMakeFiles/deliberd_support.dir/daemon/support/err.c.o.d"
  "CMakeFiles/deliberd_support.dir/daemon/support/hex.c.o"
  "CMakeFiles/deliberd_support.dir/daemon/support/hex.c.o.d"
  "CMakeFiles/deliberd_support.dir/daemon/support/log.c.o"
  "CMakeFiles/deliberd_support.dir/daemon/support/log.c.o.d"
  "CMakeFiles/deliberd_support.dir/daemon/support/metrics.c.o"
  "CMakeFiles/deliberd_support.dir/daemon/support/metrics.c.o.d"
  "CMakeFiles/deliberd_support.dir/daemon/support/utf8.c.o"
  "CMakeFiles/deliberd_support.dir/daemon/support/utf8.c.o.d"
  "libdeliberd_support.a"
  "libdeliberd_support.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/deliberd_support.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
