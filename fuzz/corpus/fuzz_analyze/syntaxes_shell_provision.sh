syntaxes/shell/provision.sh
#!/bin/bash
set -euo pipefail
NTP_IP=10.20.30.40
CONF_FILE=/etc/chrony.conf
BACKUP_HOST=10.20.30.40

sudo sed -i "s/^pool .*/server $NTP_IP iburst/" "$CONF_FILE"
echo "server ntp-old.corp.example.com iburst" | sudo tee -a /etc/chrony/chrony.conf >/dev/null
cat > /etc/systemd/timesyncd.conf <<EOF
[Time]
NTP=10.20.30.40
EOF
printf 'server %s iburst\n' 2001:db8::123 >> /etc/ntp.conf
ntpdate -u ntp-old.corp.example.com || true
busybox ntpd -n -q -p 10.20.30.40
timedatectl ntp-servers eth0 10.20.30.40
chronyd -q 'server ntp-old.corp.example.com iburst'
rsync -a backup@$BACKUP_HOST:/srv/ /srv/
echo "version 1.10.20.30.40 released"
