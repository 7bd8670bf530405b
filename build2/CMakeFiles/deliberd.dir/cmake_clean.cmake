file(REMOVE_RECURSE
  "CMakeFiles/deliberd.dir/daemon/main.c.o"
  "CMakeFiles/deliberd.dir/daemon/main.c.o.d"
  "CMakeFiles/deliberd.dir/daemon/serve.c.o"
  "CMakeFiles/deliberd.dir/daemon/serve.c.o.d"
  "deliberd"
  "deliberd.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/deliberd.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
