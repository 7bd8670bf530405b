file(REMOVE_RECURSE
  "CMakeFiles/gen_extract.dir/bench/gen_extract.c.o"
  "CMakeFiles/gen_extract.dir/bench/gen_extract.c.o.d"
  "gen_extract"
  "gen_extract.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/gen_extract.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
