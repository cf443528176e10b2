# Sourced by the fixture scripts (make-image-fixtures.sh, make-hardening-inputs.sh): fixed
# identifiers and clock where mke2fs, debugfs and sfdisk would write random GUIDs, hash seeds or
# the time, so that two runs write the same bytes (a fixture that passes once passes every time).
export SOURCE_DATE_EPOCH=1600000000 TZ=UTC LC_ALL=C
export E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH
ext4_ids=(-U 6e747073-7765-4570-8000-000000000001 -E root_owner=0:0,hash_seed=6e747073-7765-4570-8000-000000000002)
ext4_time=20200913122640  # $SOURCE_DATE_EPOCH, as debugfs reads a time
mkext4() {  # mkext4 IMAGE SIZE DIR [mke2fs options]: an ext4 of DIR's files, the same bytes every run
  local image=$1 size=$2 dir=$3
  shift 3
  mke2fs -q -F -t ext4 "$@" "${ext4_ids[@]}" -d "$dir" "$image" "$size" >/dev/null
  # mke2fs -d copies each file's times, and no touch sets a ctime: set all three here.
  (cd "$dir" && find . | sed 's|^\.||') | while IFS= read -r p; do
    for field in atime ctime mtime; do printf 'sif "/%s" %s %s\n' "${p#/}" $field "$ext4_time"; done
  done | debugfs -w -f - "$image" >/dev/null 2>&1
}
fixed_ids() {  # fixed_ids K < SFDISK-SCRIPT: the GPT script of disk K with a fixed label-id and uuids
  awk -v k="$1" '/^start=/ { n++; $0 = $0 sprintf(", uuid=6E747073-7765-4570-8%03X-%012X", k, n) }
                 { print } /^label: gpt/ { printf "label-id: 6E747073-7765-4570-8%03X-000000000000\n", k }'
}
