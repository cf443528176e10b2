ntp_servers = ["ntp-old.corp.example.com", "192.0.2.70"]
subnet_cidr = "10.20.30.0/24"
