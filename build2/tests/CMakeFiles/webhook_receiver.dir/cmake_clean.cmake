file(REMOVE_RECURSE
  "CMakeFiles/webhook_receiver.dir/integration/webhook_receiver.c.o"
  "CMakeFiles/webhook_receiver.dir/integration/webhook_receiver.c.o.d"
  "webhook_receiver"
  "webhook_receiver.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/webhook_receiver.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
