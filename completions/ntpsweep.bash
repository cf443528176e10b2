# bash completion for ntpsweep. Installed by `cmake --install` to
# share/bash-completion/completions/ntpsweep. tests/ci_completions_test.cpp checks that every
# flag in `ntpsweep <command> --help` is listed here.

_ntpsweep() {
  local cur prev cword
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  cword=$COMP_CWORD

  local cmd="" sub="" i w
  for ((i = 1; i < cword; i++)); do
    w=${COMP_WORDS[i]}
    case $w in
      -*) ;;
      *)
        if [[ -z $cmd ]]; then cmd=$w
        elif [[ $cmd == rules && -z $sub ]]; then sub=$w
        fi ;;
    esac
  done

  local scan_opts="-h --help --host --config --srcroot --rules --no-builtin-rules --enable-rule --disable-rule
    --severity --format -o --output --output-text --output-json --output-sarif --output-github --output-html
    --fail-on --min-level --exclude --include --include-vcs --no-ignore --color --category -j
    --jobs --max-file-size --archives --layers --max-depth --max-entry-size --max-input-size
    --max-total-bytes --max-ratio --max-entries --max-buffer --max-reader-size -q --quiet -v
    --verbose --stats --no-prefilter --ignore-file --report-unused-suppressions --baseline --fail-on-new-only
    --include-suppressed --include-absent --annotate --summary --changed-since --shard"

  local fix_opts="-h --help --host --config --rules --no-builtin-rules --enable-rule --disable-rule --exclude
    --include --include-vcs --no-ignore -j --jobs --max-file-size --archives --max-depth
    --max-entry-size --max-input-size --max-total-bytes --max-ratio --max-entries --max-buffer
    --max-reader-size -q --quiet -v --verbose --ignore-file --replace-with --format -o --output --apply
    --include-mentions"

  local inventory_opts="-h --help --config --rules --no-builtin-rules --enable-rule --disable-rule --exclude
    --include --include-vcs --no-ignore --color -j --jobs --max-file-size --archives --layers
    --max-depth --max-entry-size --max-input-size --max-total-bytes --max-ratio --max-entries
    --max-buffer --max-reader-size -q --quiet -v --verbose --stats --no-prefilter --format -o --output"

  case $prev in
    --format)
      if [[ $cmd == fix ]]; then COMPREPLY=($(compgen -W "diff sarif" -- "$cur"))
      elif [[ $cmd == watch ]]; then COMPREPLY=($(compgen -W "text json jsonl csv" -- "$cur"))
      elif [[ $cmd == version ]]; then COMPREPLY=($(compgen -W "text json" -- "$cur"))
      elif [[ $cmd == inventory ]]; then COMPREPLY=($(compgen -W "text json csv" -- "$cur"))
      else COMPREPLY=($(compgen -W "text sarif json github html" -- "$cur")); fi
      return ;;
    --fail-on) COMPREPLY=($(compgen -W "error warning note none" -- "$cur")); return ;;
    --min-level) COMPREPLY=($(compgen -W "note warning error" -- "$cur")); return ;;
    --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
    --archives) COMPREPLY=($(compgen -W "on off" -- "$cur")); return ;;
    --layers) COMPREPLY=($(compgen -W "squashed all" -- "$cur")); return ;;
    --annotate) COMPREPLY=($(compgen -W "new all" -- "$cur")); return ;;
    --config|--ignore-file|--baseline|--summary|-o|--output|--output-text|--output-json|--output-sarif|--output-github|--output-html)
      COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --rules|--srcroot) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --kod) COMPREPLY=($(compgen -W "deny rate" -- "$cur")); return ;;
    --pcap|--log|--inventory|--hosts-map) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --listen|--server|--duration|--until-quiet|--max-packets|--max-clients) return ;;
    --host|--replace-with|--disable-rule|--enable-rule|--severity|--exclude|--include|--category|-j|--jobs|\
    --max-file-size|--max-depth|--max-entry-size|--max-input-size|--max-total-bytes|--max-ratio|--max-entries|\
    --max-buffer|--max-reader-size|--changed-since|--shard)
      return ;;
  esac

  case $cmd in
    "")
      COMPREPLY=($(compgen -W "scan rules init merge inventory watch fix version -h --help -V --version" -- "$cur")) ;;
    scan)
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$scan_opts" -- "$cur"))
      else COMPREPLY=($(compgen -f -- "$cur")); fi ;;
    fix)
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$fix_opts" -- "$cur"))
      else COMPREPLY=($(compgen -f -- "$cur")); fi ;;
    inventory)
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$inventory_opts" -- "$cur"))
      else COMPREPLY=($(compgen -f -- "$cur")); fi ;;
    version)
      COMPREPLY=($(compgen -W "-h --help --format" -- "$cur")) ;;
    rules)
      case $sub in
        "") COMPREPLY=($(compgen -W "list show validate test -h --help" -- "$cur")) ;;
        list|test) COMPREPLY=($(compgen -W "-h --help --no-builtin-rules" -- "$cur") $(compgen -d -- "$cur")) ;;
        validate) COMPREPLY=($(compgen -W "-h --help --no-builtin-rules" -- "$cur") $(compgen -d -- "$cur")) ;;
        show)
          if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "-h --help --rules --no-builtin-rules" -- "$cur"))
          else COMPREPLY=($(compgen -W "$(ntpsweep rules list 2>/dev/null | cut -f1)" -- "$cur")); fi ;;
      esac ;;
    init)
      COMPREPLY=($(compgen -W "-h --help --host -o --output --force" -- "$cur")) ;;
    watch)
      COMPREPLY=($(compgen -W "-h --help --listen --pcap --server --kod --duration --until-quiet
        --max-packets --max-clients --format -o --output --summary --inventory --hosts-map --host
        --log -q --quiet" -- "$cur")) ;;
    merge)
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "-h --help -o --output" -- "$cur"))
      else COMPREPLY=($(compgen -f -- "$cur")); fi ;;
  esac
}
complete -F _ntpsweep ntpsweep
