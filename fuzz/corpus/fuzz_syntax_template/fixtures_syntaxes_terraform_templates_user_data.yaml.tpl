#cloud-config
ntp:
  servers:
${ntp_servers}
  pools: ["ntp-old.corp.example.com"]
write_files:
  - path: /etc/chrony/chrony.conf
    content: |
%{ for server in chrony_servers ~}
      server ${server} iburst
%{ endfor ~}
      server 10.20.30.40 iburst
