#!/usr/bin/env bash
# Regenerates the committed seed corpora fuzz/corpus/<target>/ from the fixtures (text) and from
# tiny archives and disk images made here from fixtures/images/tree (tools from
# scripts/install-deps.sh). Seeds stay small: text files are cut at 16 KiB, images are the
# smallest the tools make. Run by hand when fixtures change; the output is committed.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/fuzz/corpus"
fx="$here/fixtures"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

seed() {  # seed TARGET FILE...
  local t=$1
  shift
  mkdir -p "$out/$t"
  for f in "$@"; do
    [ -f "$f" ] || continue
    local name
    name=$(echo "${f#"$here"/}" | tr '/' '_')
    head -c 16384 "$f" >"$out/$t/$name"
  done
}
rm -rf "$out"
mkdir -p "$out"

# Host values and free text.
mkdir -p "$out/fuzz_host_target"
i=0
for v in 10.0.0.1 192.0.2.0/24 2001:db8::123 '[2001:db8::1]' ::ffff:10.0.0.1 2001:db8:1::/48 \
  ntp1.corp.example.com time.example.org. 012.0.0.1 167772161 0x0a000001 fe80::1%eth0 10.1 \
  ntp1 -bad- 300.1.1.1; do
  printf '%s' "$v" >"$out/fuzz_host_target/v$((i++))"
done
seed fuzz_text_match "$fx"/demo/etc/ntp.conf "$fx"/demo/docs/runbook.md "$fx"/ci/repo/src/clock.c \
  "$fx"/demo/scripts/bootstrap.sh

# Syntax readers: the fixtures each one reads.
S="$fx/syntaxes"
seed fuzz_syntax_ntp_conf "$fx"/demo/etc/ntp.conf "$fx"/includes/etc/ntp.conf "$fx"/images/tree/etc/ntp.conf
seed fuzz_syntax_chrony "$fx"/demo/etc/chrony/chrony.conf "$fx"/includes/etc/chrony/chrony.conf \
  "$fx"/includes/etc/chrony/corp-sources/site.sources
seed fuzz_syntax_openntpd "$fx"/demo/etc/ntp.conf
printf 'servers pool.example.org\nserver "10.0.0.1" weight 5\nlisten on *\nconstraints from "https://x/"\n' \
  >"$out/fuzz_syntax_openntpd/ntpd.conf"
seed fuzz_syntax_systemd_ini "$fx"/images/tree/etc/systemd/timesyncd.conf \
  "$fx"/demo/etc/systemd/timesyncd.conf.d/corp.conf "$S"/shell/systemd/ntpdate.service
seed fuzz_syntax_shell_vars "$fx"/demo/etc/default/ntpdate "$fx"/e2e/etc/sysconfig/ntpd "$S"/docker/.env
seed fuzz_syntax_host_list "$fx"/demo/etc/default/ntpdate
printf 'ntp1.corp.example.com\n10.0.0.1 10.0.0.2\n# comment\n' >"$out/fuzz_syntax_host_list/step-tickers"
seed fuzz_syntax_template "$S"/ansible/roles/ntp/templates/chrony.conf.j2 "$S"/chef/templates/chrony.conf.erb \
  "$S"/puppet/templates/ntp.conf.epp "$S"/terraform/templates/user_data.yaml.tpl
seed fuzz_syntax_yaml "$S"/cloud-init/user-data "$S"/k8s/configmap.yaml "$S"/ansible/group_vars/all.yml \
  "$S"/docker/docker-compose.yml "$S"/salt/pillar/ntp.sls "$S"/ignition/chrony.bu "$fx"/ci/repo/app/config.yaml
seed fuzz_syntax_json "$S"/packer/packer.json "$S"/terraform/terraform.tfvars.json "$S"/ignition/config.ign \
  "$S"/dhcp/kea-dhcp4.conf
seed fuzz_syntax_hcl "$S"/packer/ubuntu.pkr.hcl "$S"/packer/ubuntu.pkrvars.hcl "$S"/terraform/main.tf \
  "$S"/terraform/terraform.tfvars
seed fuzz_syntax_shell "$S"/shell/provision.sh "$S"/shell/cron.d/ntpdate "$fx"/demo/scripts/bootstrap.sh \
  "$S"/shell/sync-time.ps1
seed fuzz_syntax_dockerfile "$S"/docker/Dockerfile
seed fuzz_syntax_kickstart "$S"/installers/ks.cfg
seed fuzz_syntax_preseed "$S"/installers/preseed.cfg
seed fuzz_syntax_xml "$S"/installers/autoinst.xml
seed fuzz_syntax_dhcpd "$S"/dhcp/dhcpd.conf
seed fuzz_syntax_dnsmasq "$S"/dhcp/dnsmasq.conf

# The whole analysis: "<path>\n<text>".
mkdir -p "$out/fuzz_analyze"
for f in "$fx"/demo/etc/ntp.conf "$S"/cloud-init/user-data "$S"/terraform/main.tf "$S"/docker/Dockerfile \
  "$S"/ansible/roles/ntp/templates/chrony.conf.j2 "$S"/shell/provision.sh "$S"/installers/ks.cfg; do
  rel=${f#"$fx"/}
  { printf '%s\n' "$rel"; head -c 16384 "$f"; } >"$out/fuzz_analyze/$(echo "$rel" | tr '/' '_')"
done

# Rule and config loaders.
seed fuzz_rules "$here"/rules/chrony.yaml "$here"/rules/ntp.yaml "$here"/rules/cloud-init.yaml
mkdir -p "$out/fuzz_config"
printf 'hosts: [10.0.0.1, ntp1.corp.example.com]\nfail-on: warning\nexclude: ["vendor/**"]\nlimits:\n  max-file-size: 1MiB\n' \
  >"$out/fuzz_config/basic.yaml"
[ -f "$fx/ci/repo/.ntpsweep.yaml" ] && seed fuzz_config "$fx/ci/repo/.ntpsweep.yaml"

# Archives: the image tree's small configs in each format libarchive reads here.
tree="$tmp/tree"
mkdir -p "$tree/etc"
cp "$fx/images/tree/etc/ntp.conf" "$fx/images/tree/etc/default/ntpdate" "$tree/etc/"
A="$out/fuzz_archive"
mkdir -p "$A"
(cd "$tree" && tar --format=ustar -cf "$A/seed.tar" etc && tar --format=pax -cf "$A/seed-pax.tar" etc \
  && tar -czf "$A/seed.tar.gz" etc && tar -cJf "$A/seed.tar.xz" etc && tar --zstd -cf "$A/seed.tar.zst" etc \
  && bsdtar --format zip -cf "$A/seed.zip" etc && bsdtar --format cpio -cf "$A/seed.cpio" etc \
  && bsdtar --format 7zip -cf "$A/seed.7z" etc && bsdtar --format ar -cf "$A/seed.ar" etc/ntp.conf)
gzip -c "$tree/etc/ntp.conf" >"$A/ntp.conf.gz"
# The tar header reader: ustar, pax and GNU headers (GNU's with an L long name).
T="$out/fuzz_tar_headers"
mkdir -p "$T"
cp "$A/seed.tar" "$A/seed-pax.tar" "$T/"
(cd "$tree" && mkdir -p "etc/$(printf 'd%.0s' {1..120})" && cp etc/ntp.conf "etc/$(printf 'd%.0s' {1..120})/" \
  && tar --format=gnu -cf "$T/seed-gnu.tar" etc && rm -r "etc/$(printf 'd%.0s' {1..120})")
# Two gzip members and trailing zeros (pigz -i, concatenations): GzipSource's member loop.
{ gzip -c "$tree/etc/ntp.conf" && gzip -c "$tree/etc/ntpdate" && head -c 64 /dev/zero; } >"$A/multi-member.gz"
bzip2 -c "$tree/etc/ntp.conf" >"$A/ntp.conf.bz2"
# A docker-save style image: manifest.json naming one layer tar.
img="$tmp/img"
mkdir -p "$img"
(cd "$tree" && tar -cf "$img/layer.tar" etc)
printf '[{"Config":"config.json","RepoTags":["x:1"],"Layers":["layer.tar"]}]' >"$img/manifest.json"
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' >"$img/config.json"
(cd "$img" && tar -cf "$A/docker-save.tar" manifest.json config.json layer.tar)
# Nested: a tar holding a tar.gz.
(cd "$A" && tar -cf "$tmp/nested.tar" seed.tar.gz && mv "$tmp/nested.tar" "$A/nested.tar")

# Disks: the smallest images mkfs and sfdisk make, from the same tree.
D="$out/fuzz_disk"
mkdir -p "$D"
truncate -s 64K "$tmp/ext2.img"
mkfs.ext4 -q -F -b 1024 -N 16 -O ^has_journal,^resize_inode -d "$tree" "$tmp/ext2.img" 2>/dev/null
cp "$tmp/ext2.img" "$D/ext4.img"
truncate -s 128K "$tmp/mbr.img"
printf 'label: dos\nstart=64, size=128, type=83\n' | sfdisk -q "$tmp/mbr.img" >/dev/null
dd if="$tmp/ext2.img" of="$tmp/mbr.img" bs=512 seek=64 conv=notrunc status=none
cp "$tmp/mbr.img" "$D/mbr.img"
truncate -s 128K "$tmp/gpt.img"
printf 'label: gpt\nfirst-lba: 34\nstart=64, size=128, type=L\n' | sfdisk -q "$tmp/gpt.img" >/dev/null
dd if="$tmp/ext2.img" of="$tmp/gpt.img" bs=512 seek=64 conv=notrunc status=none
cp "$tmp/gpt.img" "$D/gpt.img"
if command -v qemu-img >/dev/null; then
  qemu-img convert -q -f raw -O vmdk -o subformat=streamOptimized "$tmp/gpt.img" "$D/gpt-stream.vmdk"
fi
# FAT16, FAT32 (one FAT each), NTFS and exFAT with the tree's etc/ written without mounting (as
# scripts/make-image-fixtures.sh does), their empty tails cut: TSK reads what the walk needs.
trim() {  # trim IMAGE: the trailing zeros cut, to a whole sector
  python3 -c 'import sys; p = sys.argv[1]; d = open(p, "rb").read().rstrip(b"\0")
open(p, "wb").write(d + b"\0" * (-len(d) % 512))' "$1"
}
export MTOOLS_SKIP_CHECK=1 SOURCE_DATE_EPOCH=1600000000 TZ=UTC
truncate -s 2200K "$tmp/fat16.img"
mkfs.vfat -F 16 -S 512 -s 1 -f 1 -r 16 --invariant "$tmp/fat16.img" >/dev/null
truncate -s 33M "$tmp/fat32.img"
mkfs.vfat -F 32 -S 512 -s 1 -f 1 --invariant "$tmp/fat32.img" >/dev/null
for f in fat16 fat32; do
  mcopy -i "$tmp/$f.img" -s "$tree/etc" ::
  trim "$tmp/$f.img" && cp "$tmp/$f.img" "$D/$f.img"
done
# NTFS: the smallest volume mkntfs makes; its $LogFile (256 KiB, never read: NTFS's own files are
# not walked) and the backup boot sector at its end are zeroed before the tail is cut.
truncate -s 1100K "$tmp/ntfs.img"
mkntfs -F -q -Q -T -s 512 -c 512 "$tmp/ntfs.img" >/dev/null 2>&1
LC_ALL=C.UTF-8 python3 "$here/scripts/ntfs-mkdir.py" "$tmp/ntfs.img" etc
ntfscp -q "$tmp/ntfs.img" "$tree/etc/ntp.conf" /etc/ntp.conf
ntfscp -q "$tmp/ntfs.img" "$tree/etc/ntpdate" /etc/ntpdate
log_lcn=$(ntfsinfo -f -v -i 2 "$tmp/ntfs.img" | awk '$1 == "0x0" && NF == 3 { print $2 }')
dd if=/dev/zero of="$tmp/ntfs.img" bs=512 seek=$((log_lcn)) count=512 conv=notrunc status=none
dd if=/dev/zero of="$tmp/ntfs.img" bs=512 seek=$(($(stat -c %s "$tmp/ntfs.img") / 512 - 1)) \
  count=1 conv=notrunc status=none
trim "$tmp/ntfs.img" && cp "$tmp/ntfs.img" "$D/ntfs.img"
# exFAT: empty (no writer without mounting), its random serial fixed.
truncate -s 3M "$tmp/exfat.img"
mkfs.exfat -c 512 -b 4K "$tmp/exfat.img" >/dev/null
tune.exfat -I 0x6e747303 "$tmp/exfat.img" >/dev/null
trim "$tmp/exfat.img" && cp "$tmp/exfat.img" "$D/exfat.img"
du -sh "$out"
