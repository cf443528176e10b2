ntp_server = "ntp-old.corp.example.com"
region     = "eu-west-1"
# ntp_server = "10.20.30.40"
