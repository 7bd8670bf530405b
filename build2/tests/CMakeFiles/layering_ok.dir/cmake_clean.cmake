file(REMOVE_RECURSE
  "CMakeFiles/layering_ok.dir/layering/ok.c.o"
  "CMakeFiles/layering_ok.dir/layering/ok.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/layering_ok.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
