// GNU readline and history, for the REPL's line editing, history and completion.
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>
