ntp:
  lookup:
    server: ntpd
  servers:
    - 10.20.30.40
  ng:
    settings:
      ntp_conf:
        server: ['ntp-old.corp.example.com iburst']
        restrict: ['10.20.30.40']
