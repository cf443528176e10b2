w32tm /config /manualpeerlist:"10.20.30.40,0x8 time.windows.com,0x8" /syncfromflags:manual /update
